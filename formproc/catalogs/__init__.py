"""Dated code lists: every entry has validFrom/validTo, so a lookup answers "as on date D".

Kinds shipped with formproc (formproc/catalogs/data/): `indemnity` (codes 01-17, 51, 91, 92),
`emergency` (HG 423/2020 cap. I, 1-177), `group_a` (HG 423/2020 cap. II, 1-35), `cas` (a default
list of insurance houses). `diagnosis` accepts 001-999 and RM until the SIUI nomenclature (ICD10S) is
imported; imported catalogs (formproc.catalogs.siui) replace the defaults of their kind.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from formproc.errors import InputError
from formproc.settings import data_dir

SHIPPED = {"indemnity": "indemnity_codes.json", "emergency": "emergencies.json",
           "group_a": "group_a.json", "cas": "cas.json"}
#: Kinds that can only come from an import (SIUI nomenclature / personalization files).
IMPORTED_ONLY = ("diagnosis", "isolation", "error", "physician", "convention")
KINDS = tuple(SHIPPED) + IMPORTED_ONLY

_DEFAULT_DIAGNOSIS = re.compile(r"^(00[1-9]|0[1-9]\d|[1-9]\d\d|RM)$")


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Entry:
    """One catalog entry, valid from `valid_from` to `valid_to` (both included, None = open)."""

    code: str
    name: str
    valid_from: date | None = None
    valid_to: date | None = None
    attrs: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def valid_on(self, on: date) -> bool:
        """True when the entry is in force on `on`."""
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on <= self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as the data files hold it."""
        out = {"code": self.code, "name": self.name,
               "validFrom": self.valid_from.isoformat() if self.valid_from else None,
               "validTo": self.valid_to.isoformat() if self.valid_to else None}
        out.update(self.attrs)
        return out

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> "Entry":
        """An entry from a data-file row."""
        attrs = {k: v for k, v in row.items() if k not in ("code", "name", "validFrom", "validTo")}
        return cls(str(row["code"]), str(row.get("name", "")), _date(row.get("validFrom")),
                   _date(row.get("validTo")), attrs)


@dataclass
class Catalog:
    """The entries of one kind; `imported` tells whether they came from a SIUI file."""

    kind: str
    entries: list[Entry]
    imported: bool = False

    def __post_init__(self) -> None:
        self._by_code: dict[str, list[Entry]] = {}
        for e in self.entries:
            self._by_code.setdefault(norm_code(self.kind, e.code), []).append(e)

    def get(self, code: str | None, on: date) -> Entry | None:
        """The entry for `code` in force on `on`, or None."""
        if code is None:
            return None
        for e in self._by_code.get(norm_code(self.kind, code), ()):
            if e.valid_on(on):
                return e
        return None

    def contains(self, code: str | None, on: date) -> bool:
        """True when `code` is a valid code on `on`."""
        if self.kind == "diagnosis" and not self.imported:
            return bool(code) and bool(_DEFAULT_DIAGNOSIS.match(code))
        return self.get(code, on) is not None

    def on(self, day: date) -> list[Entry]:
        """Every entry in force on `day`."""
        return [e for e in self.entries if e.valid_on(day)]


def imported_dir() -> Path:
    """Folder of imported catalogs (one JSON file per kind)."""
    path = data_dir() / "catalogs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shipped_entries(kind: str) -> list[Entry]:
    """The default entries formproc ships for a kind (empty for import-only kinds)."""
    if kind not in SHIPPED:
        return []
    text = resources.files("formproc.catalogs").joinpath("data", SHIPPED[kind]).read_text(encoding="utf-8")
    return [Entry.from_dict(r) for r in json.loads(text)]


def norm_code(kind: str, code: str) -> str:
    """A code as catalogs compare it (upper case; list numbers without leading zeros)."""
    code = str(code).strip().upper()
    if kind in ("emergency", "group_a", "isolation") and code.isdigit():
        return str(int(code))
    return code


@lru_cache(maxsize=None)
def catalog(kind: str) -> Catalog:
    """The catalog of a kind: the imported one when there is one, else the shipped default."""
    if kind not in KINDS:
        raise InputError(f"unknown catalog kind '{kind}' (known: {', '.join(KINDS)})")
    user = imported_dir() / f"{kind}.json"
    if not user.exists():
        return Catalog(kind, shipped_entries(kind), False)
    try:
        rows = json.loads(user.read_text(encoding="utf-8"))
        return Catalog(kind, [Entry.from_dict(r) for r in rows], True)
    except (ValueError, OSError, KeyError, TypeError) as exc:
        raise InputError(f"imported catalog {user} is unreadable ({exc}); import it again") from None


def reload() -> None:
    """Forget cached catalogs (after an import)."""
    catalog.cache_clear()


def save_imported(kind: str, entries: list[Entry]) -> Path:
    """Store an imported catalog, replacing the default of its kind."""
    save_imported_all({kind: entries})
    return imported_dir() / f"{kind}.json"


def save_imported_all(kinds: dict[str, list[Entry]], extra: dict[Path, str] | None = None) -> None:
    """Store several imported catalogs (and `extra` files) together: all of them or, on failure, none."""
    from formproc.files import write_atomic_many

    folder = imported_dir()
    items: list[tuple[str | Path, bytes | str]] = [
        (folder / f"{kind}.json", json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=1))
        for kind, entries in kinds.items()]
    write_atomic_many(items + list((extra or {}).items()))
    reload()


def indemnity_percent(code: str, on: date, episode_days: int = 1, day15_percent: int = 75) -> int | None:
    """The percent of the calculation base for an indemnity code as on `on`.

    For code 01 from 2025-08-01 the percent depends on the episode's total days: 55% up to 7,
    65% for 8-14, 75% above; exactly 15 days is an open question of the law (OUG 158/2005
    art. 17 alin. (1) lit. b-c: "între 8 și 14" / "peste 15"), answered by `day15_percent`.
    Codes 10 and 11 have no percent (Prevenire): None.
    """
    entry = catalog("indemnity").get(code, on)
    if entry is None:
        return None
    for period in entry.attrs.get("percent", []):
        if not Entry("", "", _date(period.get("validFrom")), _date(period.get("validTo"))).valid_on(on):
            continue
        if "percent" in period:
            return int(period["percent"])
        if episode_days == 15:
            return day15_percent
        for band in period["bands"]:
            if band["maxDays"] is None or episode_days <= band["maxDays"]:
                return int(band["percent"])
    return None

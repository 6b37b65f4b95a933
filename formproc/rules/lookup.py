"""Precomputed look-ups for the hot loop: CNP/CUI verdicts and catalog answers per code.

Catalog answers come from per-kind tables built once: for every code, the periods its entries are
in force (in the catalog's order), so an answer "as on date D" is a scan of a code's few periods
instead of a catalog call per (code, date). The tables are dropped whenever `formproc.catalogs`
hands out new catalog objects (after an import or a reload), so an answer never outlives the list
it came from.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from operator import is_, mul
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.ro import cnp as stdnum_cnp

from formproc.catalogs import Entry, catalog, indemnity_percent, norm_code
from formproc.identity import cnp_birth_dates, cnp_problem, cui_problem

_WEIGHTS = (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)
#: The weighted sum of twelve ASCII digits counts each weight times ord("0") too much.
_ZEROS = sum(_WEIGHTS) * ord("0")
KINDS = ("indemnity", "emergency", "group_a", "cas", "diagnosis")
Span = tuple[date, date, Entry]
#: The catalog objects the tables were built from (strong references, compared by identity).
_SEEN: list[Any] = []
#: kind -> normalised code -> the periods of its entries, in catalog order.
_INDEX: dict[str, dict[str, tuple[Span, ...]]] = {}
#: (kind, code as written) -> the periods of its entries.
_SPANS: dict[tuple[str, str | None], tuple[Span, ...]] = {}
#: (kind, code as written) -> `contains`'s answer when it does not depend on the date, else None.
_FIXED: dict[tuple[str, str | None], bool | None] = {}
_UNKNOWN = object()


def _county_codes() -> frozenset[str]:
    codes = set()
    for n in range(100):
        try:
            stdnum_cnp.get_county(f"1800101{n:02d}0000")
            codes.add(f"{n:02d}")
        except stdnum_errors.ValidationError:
            continue
    return frozenset(codes)


_COUNTIES = _county_codes()


def _valid_cnp(number: str) -> bool:
    """The fast path of `identity.cnp_problem` for a valid CNP (same verdicts)."""
    if (len(number) != 13 or not number.isascii() or not number.isdigit() or number[0] == "0"
            or number[7:9] not in _COUNTIES):
        return False
    check = (sum(map(mul, _WEIGHTS, number.encode())) - _ZEROS) % 11
    return ("1" if check == 10 else str(check)) == number[12] and bool(cnp_birth_dates(number))


@lru_cache(maxsize=200_000)
def cnp_check(number: str | None) -> str | None:
    """Why a CNP is invalid (identity.cnp_problem's phrase), or None; cached."""
    if number and _valid_cnp(number):
        return None
    return cnp_problem(number)


@lru_cache(maxsize=20_000)
def cui_check(number: str) -> str | None:
    """Why a CUI is invalid, or None; cached."""
    return cui_problem(number)


def refresh() -> None:
    """Drop the catalog tables when the catalogs were reloaded or imported."""
    current = list(map(catalog, KINDS))
    if len(current) == len(_SEEN) and all(map(is_, current, _SEEN)):
        return
    _INDEX.clear()
    _SPANS.clear()
    _FIXED.clear()
    percent.cache_clear()
    _SEEN[:] = current


def _index(kind: str) -> dict[str, tuple[Span, ...]]:
    """Normalised code -> periods of its entries, as `Catalog.get` scans them."""
    table = _INDEX.get(kind)
    if table is None:
        grouped: dict[str, list[Span]] = {}
        for e in catalog(kind).entries:
            grouped.setdefault(norm_code(kind, e.code), []).append(
                (e.valid_from or date.min, e.valid_to or date.max, e))
        table = _INDEX[kind] = {code: tuple(spans) for code, spans in grouped.items()}
    return table


def _spans(kind: str, code: str | None) -> tuple[Span, ...]:
    spans = _SPANS.get((kind, code))
    if spans is None:
        spans = () if code is None else _index(kind).get(norm_code(kind, code), ())
        _SPANS[(kind, code)] = spans
    return spans


def entry(kind: str, code: str | None, on: date) -> Entry | None:
    """The catalog entry in force on `on` (None when unknown), like `catalog(kind).get`."""
    spans = _SPANS.get((kind, code))
    if spans is None:
        spans = _spans(kind, code)
    for start, end, found in spans:
        if start <= on <= end:
            return found
    return None


def contains(kind: str, code: str | None, on: date) -> bool:
    """True when the code is in the catalog on `on`, like `catalog(kind).contains`."""
    fixed = _FIXED.get((kind, code), _UNKNOWN)
    if fixed is _UNKNOWN:
        fixed = _FIXED[(kind, code)] = _fixed(kind, code, on)
    return entry(kind, code, on) is not None if fixed is None else fixed


def _fixed(kind: str, code: str | None, on: date) -> bool | None:
    """`contains`'s answer for a code when it does not depend on the date, else None."""
    if kind == "diagnosis" and not catalog(kind).imported:
        # The default diagnosis list (001-999, RM) is a pattern without dates.
        return catalog(kind).contains(code, on)
    spans = _spans(kind, code)
    if not spans:
        return False
    return True if any(start == date.min and end == date.max for start, end, _ in spans) else None


@lru_cache(maxsize=50_000)
def percent(code: str, on: date, episode_days: int, day15_percent: int) -> int | None:
    """`catalogs.indemnity_percent`, cached."""
    return indemnity_percent(code, on, episode_days, day15_percent)

"""Cached look-ups for the hot loop: CNP/CUI verdicts and catalog answers per (code, date).

The catalog caches are dropped whenever `formproc.catalogs` hands out new catalog objects (after
an import or a reload), so a cached answer never outlives the list it came from.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from stdnum import exceptions as stdnum_errors
from stdnum.ro import cnp as stdnum_cnp

from formproc.catalogs import catalog, indemnity_percent
from formproc.identity import cnp_birth_dates, cnp_problem, cui_problem

_WEIGHTS = (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)
_SEEN: dict[str, int] = {}


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
    if len(number) != 13 or not number.isdigit() or number[0] == "0" or number[7:9] not in _COUNTIES:
        return False
    check = sum(w * int(n) for w, n in zip(_WEIGHTS, number)) % 11
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
    """Drop the catalog answers when the catalogs were reloaded or imported."""
    kinds = ("indemnity", "emergency", "group_a", "cas", "diagnosis")
    current = {k: id(catalog(k)) for k in kinds}
    if current != _SEEN:
        for fn in (entry, contains, percent):
            fn.cache_clear()
        _SEEN.clear()
        _SEEN.update(current)


@lru_cache(maxsize=50_000)
def entry(kind: str, code: str, on: date) -> Any:
    """The catalog entry in force on `on` (None when unknown); cached."""
    return catalog(kind).get(code, on)


@lru_cache(maxsize=50_000)
def contains(kind: str, code: str, on: date) -> bool:
    """True when the code is in the catalog on `on`; cached."""
    return catalog(kind).contains(code, on)


@lru_cache(maxsize=50_000)
def percent(code: str, on: date, episode_days: int, day15_percent: int) -> int | None:
    """`catalogs.indemnity_percent`, cached."""
    return indemnity_percent(code, on, episode_days, day15_percent)

"""Personal and fiscal identifiers: CNP (python-stdnum, with the foreign-resident gap closed) and CUI."""

from __future__ import annotations

from datetime import date

from stdnum import exceptions as stdnum_errors
from stdnum.ro import cnp as stdnum_cnp
from stdnum.ro import cui as stdnum_cui

# First digit -> possible centuries. 7/8 (foreign residents) and 9 (other foreigners) do not
# encode the century: python-stdnum assumes 1900, which rejects e.g. a resident born 29.02.2000.
_CENTURIES = {"1": (1900,), "2": (1900,), "3": (1800,), "4": (1800,), "5": (2000,), "6": (2000,),
              "7": (1900, 2000), "8": (1900, 2000), "9": (1900, 2000)}


def cnp_birth_dates(number: str) -> list[date]:
    """Every birth date a CNP can encode (two for first digits 7/8/9 when both are real dates)."""
    out = []
    for century in _CENTURIES.get(number[:1], ()):
        try:
            out.append(date(century + int(number[1:3]), int(number[3:5]), int(number[5:7])))
        except ValueError:
            continue
    return out


def cnp_problem(number: str | None) -> str | None:
    """Why a CNP is invalid (a Romanian phrase), or None when it is valid."""
    if not number:
        return "lipsește"
    if not number.isdigit() or len(number) != 13:
        return "trebuie să aibă 13 cifre"
    if number[0] == "0":
        return "prima cifră (sexul) nu poate fi 0"
    if not cnp_birth_dates(number):
        return "data nașterii codificată nu există"
    try:
        stdnum_cnp.get_county(number)
    except stdnum_errors.ValidationError:
        return f"codul de județ {number[7:9]} nu există"
    if stdnum_cnp.calc_check_digit(number[:-1]) != number[-1]:
        return "cifra de control este greșită"
    return None


def is_valid_cnp(number: str | None) -> bool:
    """True for a CNP with a valid structure, birth date, county and check digit."""
    return cnp_problem(number) is None


def birth_date(number: str, near: date | None = None) -> date | None:
    """The birth date of a valid CNP; for 7/8/9 the one before and closest to `near` (default today)."""
    dates = cnp_birth_dates(number)
    near = near or date.today()
    past = [d for d in dates if d <= near] or dates
    return max(past) if past else None


def age_on(number: str, day: date) -> int | None:
    """Age in whole years on `day` of the person with this CNP."""
    born = birth_date(number, day)
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def make_cnp(born: date, female: bool = False, county: str = "22", serial: int = 1,
             foreign: bool = False) -> str:
    """A CNP with a real check digit (for test people and samples)."""
    if foreign:
        first = "8" if female else "7"
    else:
        first = {1800: "3", 1900: "1", 2000: "5"}[born.year // 100 * 100]
        first = str(int(first) + 1) if female else first
    body = f"{first}{born:%y%m%d}{county}{serial:03d}"
    return body + stdnum_cnp.calc_check_digit(body)


def cui_problem(number: str | None) -> str | None:
    """Why a CUI (cod unic de înregistrare) is invalid, or None; an 'RO' prefix is allowed."""
    if not number:
        return "lipsește"
    try:
        stdnum_cui.validate(number)
    except stdnum_errors.InvalidLength:
        return "lungime greșită (2-10 cifre)"
    except stdnum_errors.InvalidChecksum:
        return "cifra de control este greșită"
    except stdnum_errors.ValidationError:
        return "conține alte caractere decât cifre"
    return None


def make_cui(body: str) -> str:
    """A CUI from 1-9 digits plus its check digit (for samples)."""
    return body + stdnum_cui.calc_check_digit(body)

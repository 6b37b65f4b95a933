"""Decoding with constraints: from per-cell candidates to the most likely valid field value.

A boxed field is decoded by a beam search over its boxes (each box: the recogniser's top
candidates restricted to the field's alphabet, and blank) that follows the field's grammar as it
goes: the CNP's birth date, county and check digit (the beam keeps the best readings per checksum
residue, so the best valid CNP is found even when several digits are doubtful), real DDMMYY dates,
month 01-12; at the end the whole grammar is checked (CUI checksum, codes present in the catalogs
in force, stencil and name patterns). Dates far from the certificate's day are made unlikely.
Confidence is the winner's share of the probability of all valid readings (plus what the beam
dropped), so a value whose runner-up is close gets a low confidence (under 0.5) and the flag `ambiguous`; a
field with no valid reading keeps its raw reading with the flag `invalid` and confidence 0.05.
A second pass chooses the leave rows (`days` = last day - first day + 1) and month/year (those of
the first day) jointly among the members' valid alternatives.
"""

from __future__ import annotations

import math
import re
from calendar import monthrange
from dataclasses import dataclass, field as dc_field
from datetime import date
from operator import itemgetter
from typing import Any, Callable

from formproc import catalogs
from formproc.identity import cnp_birth_dates, cui_problem, is_valid_cnp
from formproc.scan.read import MARK, STRIKE, FieldRead

from stdnum.ro.cnp import _COUNTIES  # the county codes of the CNP (python-stdnum's table)

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
AMBIGUOUS = 0.35  # a runner-up with this share of the winner's probability makes the value ambiguous
AMBIGUOUS_CAP = 0.45  # the confidence an ambiguous value has at most

_NAME = re.compile(r"^[A-Z]+(?:[ -][A-Z]+)*$")
_STENCIL = re.compile(r"^[0-9A-Z]{5,6}$")
_STENCIL_USUAL = re.compile(r"^[A-Z]?[0-9]{4,6}$")
_SERIES = re.compile(r"^[A-Z]{1,5}$")
_DIGITS = re.compile(r"^\d+$")
_CNP_FIELDS = ("pid", "childPid")
_CUI_FIELDS = ("cui", "payerCui")
_NAME_FIELDS = ("lastName", "firstName")
_DIAG_FIELDS = ("diagCode", "externDiagCode")
_STENCIL_FIELDS = ("stencil", "cheifStencil", "expertStencil", "maternStencil")
_CATALOG_OF = {"indemnCode": "indemnity", "emergency": "emergency", "contagious": "group_a",
               "diagCode": "diagnosis", "externDiagCode": "diagnosis"}
#: the leave rows: (days field, first day field, last day field)
LEAVE_ROWS = (("days", "validFrom", "validTo"), ("externDays", "externValidFrom", "externValidTo"))


@dataclass
class Decoded:
    """One field's decoded reading."""

    name: str
    text: str | None  # the characters / option as on the form (None: empty)
    confidence: float
    raw: str
    bbox_mm: tuple[float, float, float, float]
    flags: list[str] = dc_field(default_factory=list)
    alternatives: list[tuple[str, float]] = dc_field(default_factory=list)  # valid, best first
    evidence: dict[str, Any] = dc_field(default_factory=dict)


def charset(spec) -> str:
    """Characters a boxed field's cells may hold (the recogniser is restricted to them)."""
    fmt = getattr(spec, "format", None) or ""
    if spec.name in _NAME_FIELDS:
        return LETTERS + "-"
    if spec.name in _DIAG_FIELDS:
        return DIGITS + "RM"
    if spec.name in _STENCIL_FIELDS:
        return DIGITS + LETTERS
    if fmt == "upper":
        return LETTERS
    return DIGITS


def _date6(text: str) -> date | None:
    if len(text) != 6 or not text.isdigit():
        return None
    try:
        return date(2000 + int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        return None


def validator(spec, on: date) -> Callable[[str], bool]:
    """The grammar of a boxed field as a predicate on its form text."""
    name, fmt = spec.name, getattr(spec, "format", None) or ""
    if name in _CNP_FIELDS:
        return lambda t: is_valid_cnp(t) and born_plausibly(t, on)
    if name in _CUI_FIELDS:
        return lambda t: cui_problem(t) is None
    if name in _CATALOG_OF:
        cat = catalogs.catalog(_CATALOG_OF[name])
        return lambda t: bool(t) and cat.contains(t, on)
    if fmt == "DDMMYY":
        return lambda t: _date6(t) is not None
    if fmt == "MM":
        return lambda t: len(t) == 2 and t.isdigit() and 1 <= int(t) <= 12
    if fmt == "YY":
        return lambda t: len(t) == 2 and t.isdigit()
    if name in _NAME_FIELDS:
        return lambda t: bool(_NAME.match(t))
    if name in _STENCIL_FIELDS:
        return lambda t: bool(_STENCIL.match(t))
    if fmt == "upper":
        return lambda t: bool(_SERIES.match(t))
    return lambda t: bool(_DIGITS.match(t))


_CNP_WEIGHTS = (2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9)
MAX_AGE = 120  # years: a CNP born earlier (the 1800s: first digit 3 or 4) is no living person's
BEAM_WIDTH = 400  # partial readings kept per cell
PER_STATE = 12  # of which at most this many share a grammar state (checksum residue)
#: the chance that a box holds something other than the recogniser's candidates (model error
#: beyond its own probabilities: unusual hands, stamp or line debris); calibrated on generated pages
EPSILON = 0.08


def born_plausibly(cnp: str, on: date) -> bool:
    """Whether a CNP's birth date (either, for a foreign resident's) can be a living person's on a
    certificate of day `on`: not after it, at most MAX_AGE years before."""
    return any(on.year - MAX_AGE <= born.year and born <= on for born in cnp_birth_dates(cnp))


def _cnp_step(core: Any, i: int, ch: str, value: str, on: date) -> Any:
    """CNP: digits only, a real birth date after 7 digits, a county after 9, the check digit last."""
    if not ch.isdigit() or i > 12:
        return None
    if i == 0 and ch == "0":
        return None
    if i == 6 and not born_plausibly(value + ch, on):
        return None
    if i == 8 and (value + ch)[7:9] not in _COUNTIES:
        return None
    if i == 12:
        check = core % 11
        return "end" if ch == str(1 if check == 10 else check) else None
    return ((core or 0) + int(ch) * _CNP_WEIGHTS[i]) % 11


def _date_step(core: Any, i: int, ch: str, value: str, on: date) -> Any:
    """DDMMYY: a day 01-31, a month 01-12 that has that day, a real date."""
    if not ch.isdigit() or i > 5:
        return None
    text = value + ch
    if i == 1 and not 1 <= int(text) <= 31:
        return None
    if i == 3 and (not 1 <= int(text[2:]) <= 12 or int(text[:2]) > monthrange(2000, int(text[2:]))[1]):
        return None
    if i == 5 and _date6(text) is None:
        return None
    return i


def _plain_step(allowed: str, max_len: int | None) -> Callable[[Any, int, str, str, date], Any]:
    def step(core: Any, i: int, ch: str, value: str, on: date) -> Any:
        if ch not in allowed or (max_len is not None and i >= max_len):
            return None
        return value + ch  # no shared state: the beam keeps the best prefixes overall
    return step


def _stepper(spec) -> Callable[[Any, int, str, str, date], Any]:
    """The incremental grammar of a boxed field: (state, index, char, value so far, day) -> new
    state, or None when no valid value starts so."""
    name, fmt = spec.name, getattr(spec, "format", None) or ""
    if name in _CNP_FIELDS:
        return _cnp_step
    if fmt == "DDMMYY":
        return _date_step
    if fmt in ("MM", "YY"):
        return _plain_step(DIGITS, 2)
    return _plain_step(charset(spec) + (" " if name in _NAME_FIELDS else ""), None)


def _prior(spec, text: str, on: date) -> float:
    """Dates on a certificate lie near its issue day: a reading over two years away is unlikely.
    Paraph codes are digits after at most one letter: another letter is unlikely."""
    if spec.name in _STENCIL_FIELDS:
        return 1.0 if _STENCIL_USUAL.match(text) else 0.05
    fmt = getattr(spec, "format", None) or ""
    if fmt == "DDMMYY":
        day = _date6(text)
        return 1.0 if day is not None and abs((day - on).days) <= 800 else 0.1
    if fmt == "YY" and text.isdigit():
        return 1.0 if abs(2000 + int(text) - on.year) <= 2 else 0.1
    return 1.0


def proven(spec) -> bool:
    """Whether a boxed field's grammar checks its value (check digit, catalog, calendar), so that
    a misreading mostly fails it; names, paraph codes, series and plain numbers it cannot check."""
    fmt = getattr(spec, "format", None) or ""
    return spec.name in _CNP_FIELDS + _CUI_FIELDS or spec.name in _CATALOG_OF or fmt in ("DDMMYY", "MM", "YY")


def valid_share(spec) -> float:
    """About how many of the readings not looked at would pass the field's grammar."""
    fmt = getattr(spec, "format", None) or ""
    if spec.name in _CNP_FIELDS:
        return 1 / 11
    if spec.name in _CUI_FIELDS:
        return 1 / 10
    if fmt in ("DDMMYY", "MM"):
        return 0.5
    return 1.0


_probability = itemgetter(0)  # of a beam entry


def beam_candidates(spec, read: FieldRead, on: date, width: int = BEAM_WIDTH) -> tuple[list[tuple[str, float]], float]:
    """The field's readings that its grammar allows, most probable first, and the probability mass
    not looked at: readings through characters outside a box's candidates (each box keeps
    `EPSILON` for them) and partial readings the beam dropped while they were still valid.

    A blank box is a space; spaces may only lead or trail the value (inside names they separate
    words). Each reading's probability is the product of its boxes' candidate probabilities."""
    step = _stepper(spec)
    inner_blank = spec.name in _NAME_FIELDS
    # entry: (probability, value, phase: 0 before / 1 inside / 2 after the value, grammar state)
    beam: list[tuple[float, str, int, Any]] = [(1.0, "", 0, None)]
    dropped = 0.0
    # a CNP is 13 digits or none: in one that is written, a box the recogniser read as blank holds
    # a digit it missed (a 1 in a fine pen), so every digit stays possible there (a box without
    # candidates stays blank: nothing was seen in it)
    written = spec.name in _CNP_FIELDS and sum(not c.blank for c in read.cells) > len(read.cells) // 2
    for cell in read.cells:
        options = [(ch, q * (1 - EPSILON)) for ch, q in cell.candidates] or [(" ", 1.0)]
        if written and cell.candidates and cell.blank:
            listed = {ch for ch, _ in options}
            options += [(d, EPSILON / len(DIGITS)) for d in DIGITS if d not in listed]
        other = max(0.0, 1.0 - sum(q for _, q in options))
        grown: dict[tuple[int, Any], list[tuple[float, str, int, Any]]] = {}
        for p, value, phase, core in beam:
            dropped += p * other
            for ch, q in options:
                if q <= 0:
                    continue
                if ch == " ":
                    nxt = (p * q, value, 0 if phase == 0 else 2, core)
                else:
                    if phase == 2 and not inner_blank:
                        continue
                    if phase == 2:
                        if value.endswith(" "):
                            continue
                        value_in = value + " "
                    else:
                        value_in = value
                    core2 = step(core, len(value_in), ch, value_in, on)
                    if core2 is None:
                        continue
                    nxt = (p * q, value_in + ch, 1, core2)
                grown.setdefault((nxt[2], nxt[3]), []).append(nxt)
        merged: list[tuple[float, str, int, Any]] = []
        for group in grown.values():
            if len(group) > PER_STATE:  # (a stable sort: ties keep their order, sorted here or below)
                group.sort(key=_probability, reverse=True)
                dropped += sum(e[0] for e in group[PER_STATE:])
                del group[PER_STATE:]
            merged += group
        merged.sort(key=_probability, reverse=True)
        if len(merged) > width:
            dropped += sum(e[0] for e in merged[width:])
        beam = merged[:width]
    ok = validator(spec, on)
    found: dict[str, float] = {}
    for p, value, _phase, _core in beam:
        text = value.strip()
        if text == "" or ok(text):  # an empty field is always possible
            found[text] = found.get(text, 0.0) + p * _prior(spec, text, on)
    return sorted(found.items(), key=lambda kv: -kv[1]), dropped


def decode_boxes(spec, read: FieldRead, on: date) -> Decoded:
    """The most likely valid value of a boxed field and its probability among the valid values.

    Confidence = the winner's probability / (the probability of every valid reading found + the
    share of the unseen mass that would be valid), so a value whose runner-up is close, or that
    needed improbable corrections while much probability went to readings the grammar rejects,
    scores low; a value the grammar cannot check is only as sure as its boxes."""
    evidence = read.details()
    if all(not c.candidates for c in read.cells):
        return Decoded(spec.name, None, 1.0, "", read.bbox_mm, [], [], evidence)
    valid, unseen = beam_candidates(spec, read, on)
    if not valid:
        return Decoded(spec.name, read.raw.strip() or None, 0.05, read.raw, read.bbox_mm, ["invalid"], [], evidence)
    best, p_best = valid[0]
    mass = sum(p for _, p in valid) + unseen * valid_share(spec)
    conf = p_best / mass if mass > 0 else 0.0
    flags = []
    if len(valid) > 1 and valid[1][1] > AMBIGUOUS * p_best:  # a close runner-up: the value is not sure
        flags.append("ambiguous")
        conf = min(conf, AMBIGUOUS_CAP)
    if best != read.raw.strip():
        flags.append("corrected")
    return Decoded(spec.name, best or None, round(conf, 3), read.raw, read.bbox_mm, flags, valid[:5], evidence)


def decode_options(spec, read: FieldRead) -> Decoded:
    """The marked option (the struck word for `mark: strike` choices) and a quality score."""
    evidence = read.details()
    cov = read.coverage
    strike = getattr(spec, "mark", None) == "strike"
    level = STRIKE if strike else MARK
    ranked = sorted(cov.items(), key=lambda kv: -kv[1])
    marked = [k for k, v in ranked if v >= level]
    flags: list[str] = []
    top = ranked[0][1] if ranked else 0.0
    # sure as the decision's margin from the mark level, relative to it: a mark a quarter of the
    # level away from it is an even chance (stamp or rosette traces reach just over the level)
    if not marked:
        return Decoded(spec.name, None, round(min(1.0, (level - top) / level) ** 0.5, 3), "",
                       read.bbox_mm, [], [], evidence)
    other = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = min((top - level) / level, (level - other) / level)
    if len(marked) > 1:
        flags.append("multiple-marks")
    conf = max(0.0, min(1.0, margin)) ** 0.5
    return Decoded(spec.name, marked[0], round(conf if not flags else min(conf, 0.3), 3), ",".join(marked),
                   read.bbox_mm, flags, [], evidence)


#: a joint choice this many times less likely than the unconstrained reading is not proven by it
UNLIKELY = 0.05


def _joint(fields: list[Decoded], consistent: Callable[..., bool]) -> bool:
    """Choose the members' values jointly among their valid alternatives so that `consistent`
    holds; each member's confidence becomes its value's share of the consistent combinations'
    probability. Returns False (and flags the members) when no combination is consistent."""
    opts = [f.alternatives or [(f.text, f.confidence)] for f in fields]
    combos: list[tuple[float, tuple[str, ...]]] = []

    def walk(i: int, p: float, chosen: tuple[str, ...]) -> None:
        if i == len(opts):
            if consistent(*chosen):
                combos.append((p, chosen))
            return
        for text, q in opts[i]:
            walk(i + 1, p * q, chosen + (text,))

    walk(0, 1.0, ())
    if not combos:
        for f in fields:
            f.flags.append("inconsistent")
            f.confidence = round(min(f.confidence, 0.45), 3)
        return False
    total = sum(p for p, _ in combos)
    best_p, best = max(combos, key=lambda c: c[0])
    seen = math.prod(max(q for _, q in o) for o in opts)  # the most likely reading, unconstrained
    for k, f in enumerate(fields):
        # the share of the member's probability that its alternatives hold (the rest is unseen)
        coverage = 1.0
        if f.alternatives and f.alternatives[0][1] > 0:
            coverage = min(1.0, sum(q for _, q in f.alternatives) * f.confidence / f.alternatives[0][1])
        share = sum(p for p, c in combos if c[k] == best[k]) / total if total > 0 else 0.0
        conf = share * coverage
        if f.text != best[k]:
            f.text = best[k]
            f.flags.append("cross-checked")
            if best_p < UNLIKELY * seen:  # the cells say otherwise: the consistent value is a guess
                conf = min(conf, 0.45)
        f.confidence = round(min(0.999, conf), 3)
    return True


def _leave_consistent(days: str, first: str, last: str) -> bool:
    """A certificate covers 1-31 days of one stretch of leave."""
    a, b = _date6(first), _date6(last)
    return a is not None and b is not None and days.isdigit() and 1 <= int(days) <= 31 \
        and (b - a).days + 1 == int(days)


#: days between the issue date and the first day of leave beyond which one of them is misread
#: (late issue is allowed for a month at most, a hospital issues at discharge: well within this)
ISSUE_SPAN = 62


def issued_near(issued: date, first: date) -> bool:
    """Whether an issue date and a first day of leave can both be right."""
    return abs((issued - first).days) <= ISSUE_SPAN


def _issued_near(issued: str, first: str) -> bool:
    a, b = _date6(issued), _date6(first)
    return a is not None and b is not None and issued_near(a, b)


def reconcile_leave(decoded: dict[str, Decoded]) -> None:
    """Choose dates and days jointly so that days = last - first + 1, the issue date near the
    first day of leave, then month and year as those of the first day of leave, when the
    candidates allow it; otherwise flag `inconsistent`."""
    for row in LEAVE_ROWS:
        fields = [decoded.get(n) for n in row]
        if all(f is not None and f.text is not None for f in fields):
            _joint(fields, _leave_consistent)  # type: ignore[arg-type]
    fields = [decoded.get(n) for n in ("issueDate", "validFrom")]
    if all(f is not None and f.text is not None for f in fields):
        _joint(fields, _issued_near)  # type: ignore[arg-type]
    fields = [decoded.get(n) for n in ("month", "year", "validFrom")]
    if all(f is not None and f.text is not None for f in fields):
        _joint(fields, lambda m, y, first: (d := _date6(first)) is not None and m.isdigit() and y.isdigit()
               and int(m) == d.month and int(y) == d.year % 100)  # type: ignore[arg-type]

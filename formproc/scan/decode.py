"""Decoding with constraints: from per-cell candidates to the most likely valid field value.

For a boxed field the candidate strings are enumerated best-first (product of the cells'
probabilities); the first one that satisfies the field's grammar wins: CNP checksum and birth
date, CUI checksum, real DDMMYY dates, month 01-12, codes present in the catalogs in force, the
stencil and name patterns. Confidence is the winner's share of the probability of all valid
candidates seen, so a value whose runner-up is nearly as likely gets a low confidence and the flag
`ambiguous`; a field with no valid candidate keeps its raw reading with the flag `invalid`. A
second pass makes the leave rows consistent (`days` = last day - first day + 1).
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass, field as dc_field
from datetime import date
from typing import Any, Callable

from formproc import catalogs
from formproc.identity import cui_problem, is_valid_cnp
from formproc.scan.read import MARK, STRIKE, FieldRead

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MAX_EXPANSIONS = 400

_NAME = re.compile(r"^[A-Z]+(?:[ -][A-Z]+)*$")
_STENCIL = re.compile(r"^[0-9A-Z]{5,6}$")
_SERIES = re.compile(r"^[A-Z]{1,5}$")
_DIGITS = re.compile(r"^\d+$")
_MONEY = re.compile(r"^\d{1,8}([.,]\d{1,2})?$")
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
        return is_valid_cnp
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


def _text_of(chars: list[str]) -> str:
    return "".join(chars).strip()


def enumerate_candidates(read: FieldRead, limit: int = MAX_EXPANSIONS):
    """(text, probability) of the field's strings, best first (blank cells contribute a space)."""
    lists = [c.candidates or [(" ", 1.0)] for c in read.cells]
    if not lists:
        return
    first = tuple(0 for _ in lists)
    p0 = 1.0
    for lst in lists:
        p0 *= lst[0][1]
    heap = [(-p0, first)]
    seen = {first}
    while heap and limit > 0:
        neg, idx = heapq.heappop(heap)
        limit -= 1
        yield _text_of([lists[i][j][0] for i, j in enumerate(idx)]), -neg
        for i, j in enumerate(idx):
            if j + 1 < len(lists[i]) and lists[i][j][1] > 0:
                nxt = idx[:i] + (j + 1,) + idx[i + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    p = -neg / lists[i][j][1] * lists[i][j + 1][1]
                    heapq.heappush(heap, (-p, nxt))


def decode_boxes(spec, read: FieldRead, on: date) -> Decoded:
    """The most likely valid value of a boxed field."""
    evidence = read.details()
    if all(not c.candidates for c in read.cells):
        return Decoded(spec.name, None, 1.0, "", read.bbox_mm, [], [], evidence)
    ok = validator(spec, on)
    valid: list[tuple[str, float]] = []
    total, seen = 0.0, 0
    for text, p in enumerate_candidates(read):
        total += p
        seen += 1
        if text == "" or ok(text):  # an empty field is always possible
            valid.append((text, p))
    if not valid:
        return Decoded(spec.name, read.raw.strip() or None, round(min(0.2, total), 3), read.raw,
                       read.bbox_mm, ["invalid"], [], evidence)
    best, p_best = valid[0]
    # the valid strings not enumerated: the unseen probability mass times the share of valid
    # strings among those seen (a checksum lets about one in ten through)
    unseen = max(0.0, 1.0 - total) * max(len(valid) / seen, 0.02)
    mass = sum(p for _, p in valid) + unseen
    conf = p_best / mass if mass else 0.0
    # a value the grammar had to correct is only as sure as the correction was likely
    p_raw = next(iter(enumerate_candidates(read, 1)))[1]
    conf *= min(1.0, p_best / p_raw) ** 0.5 if p_raw > 0 else 1.0
    flags = []
    if len(valid) > 1 and valid[1][1] > 0.35 * p_best:
        flags.append("ambiguous")
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
    if not marked:
        return Decoded(spec.name, None, round(0.5 + 0.5 * min(1.0, (level - top) / level), 3), "",
                       read.bbox_mm, [], [], evidence)
    other = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = min((top - level) / level, (level - other) / level)
    if len(marked) > 1:
        flags.append("multiple-marks")
    conf = 0.5 + 0.5 * max(-1.0, min(1.0, margin))
    return Decoded(spec.name, marked[0], round(conf if not flags else min(conf, 0.3), 3), ",".join(marked),
                   read.bbox_mm, flags, [], evidence)


def decode_text(spec, read: FieldRead) -> Decoded:
    """A text line: tesseract's reading, its confidence, and the money grammar where it applies."""
    text = read.raw.strip() or None
    conf = read.text_confidence if text else (1.0 if read.ink < 0.004 else 0.3)
    flags = []
    if text and getattr(spec, "format", None) == "money" and not _MONEY.match(text.replace(" ", "")):
        flags.append("invalid")
        conf = min(conf, 0.2)
    return Decoded(spec.name, text, round(conf, 3), read.raw, read.bbox_mm, flags, [], read.details())


def reconcile_leave(decoded: dict[str, Decoded]) -> None:
    """Choose dates and days jointly so that days = last - first + 1 when the candidates allow it."""
    for days_f, from_f, to_f in LEAVE_ROWS:
        fields = [decoded.get(n) for n in (days_f, from_f, to_f)]
        if any(f is None or f.text is None for f in fields):
            continue
        d, a, b = fields  # type: ignore[misc]
        opts = [f.alternatives or [(f.text, 1.0)] for f in (d, a, b)]
        best = None
        for td, pd in opts[0]:
            for ta, pa in opts[1]:
                for tb, pb in opts[2]:
                    da, db = _date6(ta), _date6(tb)
                    if da is None or db is None or not td.isdigit():
                        continue
                    if (db - da).days + 1 == int(td):
                        p = pd * pa * pb
                        if best is None or p > best[0]:
                            best = (p, td, ta, tb)
        if best is None:
            for f in (d, a, b):
                f.flags.append("inconsistent")
                f.confidence = round(min(f.confidence, 0.45), 3)
            continue
        for f, t in zip((d, a, b), best[1:]):
            if f.text != t:
                f.text = t
                f.flags.append("cross-checked")
            # a consistent triple confirms each member beyond its own grammar
            f.confidence = round(max(f.confidence, min(0.99, f.confidence + 0.3)), 3)

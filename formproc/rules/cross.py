"""Rules across certificates: continuation chains, overlaps, yearly limits, series/numbers, episode percent.

A cross check gets the `Batch` (records plus history, grouped by CNP and by series/number, with
continuation links and episodes) and yields `(certificates concerned, message values)`; the
finding is reported on every concerned certificate that is being validated. The batch holds the
certificates as `RecordView`s: checks read their fields as attributes.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterator, Sequence

from formproc.calendar import is_working_day, next_working_day
from formproc.model import Certificate
from formproc.rules.dates import late_issue_case
from formproc.rules.engine import Batch, CrossContext
from formproc.rules.issuer import STAGE_CODES
from formproc.rules.lookup import entry, percent
from formproc.rules.registry import display, rule
from formproc.rules.sources import INSTR, NORME, OUG

Yield = Iterator[tuple[Sequence[Certificate], dict]]
YEAR = timedelta(days=365)
ONE_DAY = timedelta(days=1)


def label(r: Certificate) -> str:
    """Series and number as a message shows them."""
    return f"{r.serialCode or ''} {r.serialNo or ''}".strip() or "(fără serie)"


def sheet(r: Certificate) -> tuple[str, str]:
    """Series and number: the sheet's identity (`Certificate.key`, for the record views cross rules get)."""
    return (r.serialCode or "", r.serialNo or "")


def _counts_toward_183(code: str | None, on: date) -> bool:
    found = entry("indemnity", code, on) if code else None
    return bool(found and found.attrs.get("countsToward183"))


def _window_sum(certs: Sequence[Certificate], end: date, keep) -> int:
    """Days of the kept certificates that start in the year ending on `end`."""
    start = end - YEAR
    return sum(c.days or 0 for c in certs if c.validFrom and start < c.validFrom <= end and keep(c))


def _most_days(certs: Sequence[Certificate]) -> int:
    """An upper bound of the days of any subset of the certificates (a cheap test before the exact sums)."""
    total = 0
    for c in certs:
        days = c.days
        if days and days > 0:
            total += days
    return total


def _mf(c: Certificate, ctx: CrossContext) -> bool:
    return (c.issuerType or ctx.policy.issuer_type) == "MF" and c.indemnCode in STAGE_CODES


@rule("CONTINUATION_SAME_PERSON", severity="error", fields=("continuation", "prevSerialCode", "prevSerialNo", "pid"),
      scope="cross",
      message="Certificatul anterior {prev} indicat pentru continuare aparține altui CNP ({other})",
      source=f"{INSTR} art. 11 pct. 3-4")
def continuation_same_person(batch: Batch, ctx: CrossContext) -> Yield:
    """A continuation extends a certificate of the same person."""
    for c in batch.unlinked:
        others = batch.by_key.get((c.prevSerialCode or "", c.prevSerialNo), [])
        strangers = [o for o in others if o.pid and o.pid != c.pid and o.status != "annulled"]
        if strangers:
            yield [c], {"prev": label(strangers[0]), "other": strangers[0].pid}


@rule("CONTINUATION_PREVIOUS_FOUND", severity="warning", fields=("continuation", "prevSerialCode", "prevSerialNo"),
      scope="cross",
      message="Certificatul anterior {prevSerialCode} {prevSerialNo} nu se găsește nici în lot, nici în istoricul "
              "pacientului",
      source=f"{INSTR} art. 11 pct. 3-4")
def continuation_previous_found(batch: Batch, ctx: CrossContext) -> Yield:
    """With a history given, a continuation's previous certificate is in it (or in the batch)."""
    if not batch.history:
        return
    for c in batch.unlinked:
        if (c.prevSerialCode or "", c.prevSerialNo) not in batch.by_key:
            yield [c], {}


@rule("CONTINUATION_SAME_DIAGNOSIS", severity="error", fields=("continuation", "diagCode"), scope="cross",
      message="Certificatul în continuare are diagnosticul {diagCode}, iar certificatul anterior {prev} are {prevDiag}; "
              "continuarea păstrează codul de diagnostic al certificatului inițial",
      source=f"{INSTR} art. 11 pct. 3, 17")
def continuation_same_diagnosis(batch: Batch, ctx: CrossContext) -> Yield:
    """A continuation keeps the diagnosis of the certificate it extends."""
    for c, prev in batch.linked:
        if c.diagCode and prev.diagCode and c.diagCode != prev.diagCode:
            yield [c], {"prev": label(prev), "prevDiag": prev.diagCode}


@rule("CONTINUATION_NO_GAP", severity="error", fields=("continuation", "validFrom"), scope="cross",
      message="Certificatul în continuare începe la {validFrom}, dar certificatul anterior {prev} se termină la "
              "{prevEnd}: o întrerupere înseamnă un concediu nou, cu certificat „Inițial”",
      source=f"{INSTR} art. 11 pct. 3; {OUG} art. 35; {NORME} art. 32")
def continuation_no_gap(batch: Batch, ctx: CrossContext) -> Yield:
    """A continuation starts the day after the previous certificate ends."""
    for c, prev in batch.linked:
        if prev.validTo and c.validFrom and c.validFrom > prev.validTo + ONE_DAY:
            yield [c], {"prev": label(prev), "prevEnd": prev.validTo}


@rule("CONTINUATION_ISSUE_DATE", severity="error", fields=("continuation", "issueDate"), scope="cross",
      message="Certificatul în continuare este acordat la {issueDate}, după sfârșitul certificatului anterior {prev} "
              "({prevEnd}); cel târziu {latest}",
      source=f"{NORME} art. 9 alin. (3), (3^1), (4)")
def continuation_issue_date(batch: Batch, ctx: CrossContext) -> Yield:
    """A continuation is issued by the end of the previous certificate (next working day after a day off)."""
    latest_for: dict[date, date] = {}
    for c, prev in batch.linked:
        end = prev.validTo
        if not end or not c.issueDate or c.duplicate or late_issue_case(c):
            continue
        latest = latest_for.get(end)
        if latest is None:
            latest = latest_for[end] = end if is_working_day(end) else next_working_day(end)
        if c.issueDate > latest:
            yield [c], {"prev": label(prev), "prevEnd": end, "latest": display(latest)}


def _duplicates_of_each_other(a: Certificate, b: Certificate) -> bool:
    return bool((a.duplicate and (a.duplSerialCode or "", a.duplSerialNo or "") == sheet(b))
                or (b.duplicate and (b.duplSerialCode or "", b.duplSerialNo or "") == sheet(a)))


@rule("OVERLAP", severity="error", fields=("pid", "validFrom", "validTo"), scope="cross",
      message="Certificatele {first} ({firstFrom} - {firstTo}) și {second} ({secondFrom} - {secondTo}) ale CNP "
              "{pid} se suprapun; la suprapunere se scrie în Observații „Suprapunere cu CM seria … nr …”",
      source=f"{NORME} art. 33 alin. (3)")
def overlap(batch: Batch, ctx: CrossContext) -> Yield:
    """No two certificates of one person overlap, unless the overlap is noted under Observații."""
    for pid, certs in batch.by_pid.items():
        if len(certs) < 2:
            continue
        open_: list[Certificate] = []
        for c in certs:
            if not c.validFrom or not c.validTo:
                continue
            open_ = [o for o in open_ if o.validTo and o.validTo >= c.validFrom]
            for o in open_:
                if _duplicates_of_each_other(o, c) or sheet(o) == sheet(c) or _noted(o, c) or _noted(c, o):
                    continue
                yield [o, c], {"first": label(o), "firstFrom": o.validFrom, "firstTo": o.validTo,
                               "second": label(c), "secondFrom": c.validFrom, "secondTo": c.validTo, "pid": pid}
            open_.append(c)


def _noted(a: Certificate, b: Certificate) -> bool:
    """True when `a` notes an overlap under Observații (the note names the other certificate)."""
    return "suprapunere" in (a.observations or "").lower()


@rule("SERIAL_UNIQUE", severity="error", fields=("serialCode", "serialNo"), scope="cross",
      message="Seria și numărul {serial} apar pe {count} certificate; un formular se folosește o singură dată "
              "(cu excepția unui DUPLICAT declarat)",
      source=f"{INSTR} art. 4-6, 10")
def serial_unique(batch: Batch, ctx: CrossContext) -> Yield:
    """A series/number is used once (annulled sheets included), unless it is a declared duplicate."""
    for key, certs in batch.by_key.items():
        if len(certs) < 2:
            continue
        originals = [c for c in certs if not c.duplicate]
        if len(originals) > 1:
            yield certs, {"serial": f"{key[0]} {key[1]}".strip(), "count": len(certs)}


@rule("EXPERT_FROM_DAY_91", severity="error", fields=("expertNo", "days"), scope="cross",
      message="Episodul ajunge la {total} zile de incapacitate temporară de muncă: de la a 91-a zi prelungirea cere "
              "aprobarea medicului expert al asigurărilor sociale, care lipsește de pe lanțul de certificate",
      source=f"{OUG} art. 13 alin. (2); {NORME} art. 18")
def expert_from_day_91(batch: Batch, ctx: CrossContext) -> Yield:
    """From day 91 of an episode of ordinary illness an expert approval is on the chain (hospital stays aside)."""
    for certs in batch.by_pid.values():
        for c in certs:
            ep = batch.episodes.get(id(c))
            if ep is None or ep.root.continuation or ep.days_so_far <= 90 or c.certType == "IN":
                continue
            if not _counts_toward_183(c.indemnCode, c.issueDate or c.validFrom or ctx.today):
                continue
            if not _approved(batch, c):
                yield [c], {"total": ep.days_so_far}


def _approved(batch: Batch, cert: Certificate) -> bool:
    """True when the certificate or an earlier one of its chain carries an expert approval."""
    seen: set[int] = set()
    cur: Certificate | None = cert
    while cur is not None and id(cur) not in seen:
        if cur.expertNo:
            return True
        seen.add(id(cur))
        cur = batch.previous.get(id(cur))
    return False


@rule("ITM_183_DAYS", severity="warning", fields=("pid", "days"), scope="cross",
      message="CNP {pid} are {total} zile de incapacitate temporară de muncă (boli obișnuite) în ultimul an: "
              "limita este 183 de zile, peste care prelungirea (cel mult 90 de zile) o decide medicul expert",
      source=f"{OUG} art. 13 alin. (1), art. 14 alin. (4), art. 34")
def itm_183_days(batch: Batch, ctx: CrossContext) -> Yield:
    """At most 183 days of ordinary illness in a year (special diseases, care, maternity excluded)."""
    for pid, certs in batch.by_pid.items():
        if _most_days(certs) <= 183:
            continue
        counted = [c for c in certs if c.validTo
                   and _counts_toward_183(c.indemnCode, c.issueDate or c.validFrom or ctx.today)]
        if sum(c.days or 0 for c in counted) <= 183:
            continue
        for c in counted:
            total = _window_sum(counted, c.validTo, lambda _: True)
            if total > 183:
                yield [c], {"pid": pid, "total": total}


@rule("MF_YEAR_DAYS", severity="warning", fields=("issuerType", "days"), scope="cross", valid_from="2021-08-01",
      message="Medicul de familie a acordat CNP {pid} {total} zile de incapacitate în ultimul an; peste 28 de zile "
              "concediul se acordă de medicul specialist sau de spital",
      source=f"{NORME} art. 20 alin. (3)-(4)")
def mf_year_days(batch: Batch, ctx: CrossContext) -> Yield:
    """A family doctor gives at most 28 days of incapacity per person in a year."""
    for pid, certs in batch.by_pid.items():
        if _most_days(certs) <= 28:
            continue
        mf = [c for c in certs if _mf(c, ctx) and c.validTo]
        if sum(c.days or 0 for c in mf) <= 28:
            continue
        for c in mf:
            total = _window_sum(mf, c.validTo, lambda _: True)
            if total > 28:
                yield [c], {"pid": pid, "total": total}


@rule("MF_EPISODE_TOTAL", severity="warning", fields=("issuerType", "continuation", "days"), scope="cross",
      valid_from="2021-08-01",
      message="Medicul de familie a acordat {total} zile în episodul început cu {root}; limita este {limit} zile "
              "pe episod (Policy.family_doctor_episode_days)",
      source=f"{NORME} art. 20 alin. (1); D112 D_7 (10 zile pe certificat)")
def mf_episode_total(batch: Batch, ctx: CrossContext) -> Yield:
    """The family doctor's days in one episode stay within the limit (a policy setting)."""
    limit = ctx.policy.family_doctor_episode_days
    for certs in batch.by_pid.values():
        totals: dict[int, int] = {}
        for c in certs:
            ep = batch.episodes.get(id(c))
            if ep is None or not _mf(c, ctx):
                continue
            totals[id(ep.root)] = totals.get(id(ep.root), 0) + (c.days or 0)
            if totals[id(ep.root)] > limit and c.days and totals[id(ep.root)] - c.days <= limit:
                yield [c], {"total": totals[id(ep.root)], "root": label(ep.root), "limit": limit}


def _per_person_cared(batch: Batch, code: str) -> dict[str, list[Certificate]]:
    out: dict[str, list[Certificate]] = {}
    for c in batch.with_code(code):
        if c.childPid:
            out.setdefault(c.childPid, []).append(c)
    return out


@rule("CHILD_CARE_45", severity="warning", fields=("indemnCode", "childPid", "days"), scope="cross",
      message="Pentru copilul cu CNP {childPid} s-au acordat {total} zile de îngrijire (cod 09) în anul {year}; "
              "limita este 45 de zile pe an, cu excepția bolilor infectocontagioase, imobilizării și "
              "intervențiilor chirurgicale",
      source=f"{OUG} art. 29 alin. (1)")
def child_care_45(batch: Batch, ctx: CrossContext) -> Yield:
    """Child care (09): at most 45 days a year per child, both parents together, with the listed exceptions."""
    for child, certs in _per_person_cared(batch, "09").items():
        by_year: dict[int, list[Certificate]] = {}
        for c in certs:
            if c.validFrom:
                by_year.setdefault(c.validFrom.year, []).append(c)
        for year, group in by_year.items():
            total = sum(c.days or 0 for c in group)
            if total > 45:
                yield group, {"childPid": child, "total": total, "year": year}


@rule("ONCOLOGY_CARE_45", severity="error", fields=("indemnCode", "childPid", "days"), scope="cross",
      message="Pentru pacientul cu CNP {childPid} s-au acordat {total} zile de îngrijire (cod 17) într-un an; "
              "limita este 45 de zile calendaristice în interval de un an pentru un pacient",
      source=f"{OUG} art. 30^1 alin. (3)")
def oncology_care_45(batch: Batch, ctx: CrossContext) -> Yield:
    """Oncology-patient care (17): at most 45 days in a year per patient."""
    for patient, certs in _per_person_cared(batch, "17").items():
        if sum(c.days or 0 for c in certs) <= 45:
            continue
        for c in certs:
            if c.validTo:
                total = _window_sum(certs, c.validTo, lambda _: True)
                if total > 45:
                    yield [c], {"childPid": patient, "total": total}


def _chain_total(batch: Batch, code: str, limit: int) -> Yield:
    for c in batch.with_code(code):
        ep = batch.episodes.get(id(c))
        if ep is not None and ep.days_so_far > limit and ep.days_so_far - (c.days or 0) <= limit:
            yield [c], {"total": ep.days_so_far, "root": label(ep.root)}


@rule("CODE08_TOTAL", severity="error", fields=("indemnCode", "days"), scope="cross",
      message="Concediul de sarcină și lăuzie (cod 08) început cu {root} ajunge la {total} zile; durata este de "
              "126 de zile",
      source=f"{OUG} art. 23-24; {NORME} art. 39-41")
def code08_total(batch: Batch, ctx: CrossContext) -> Yield:
    """Maternity leave lasts 126 days in all."""
    yield from _chain_total(batch, "08", 126)


@rule("CODE15_TOTAL", severity="error", fields=("indemnCode", "days"), scope="cross",
      message="Concediul de risc maternal (cod 15) început cu {root} ajunge la {total} zile; totalul este de cel "
              "mult 120 de zile",
      source=f"{NORME} art. 50; OUG 96/2003 art. 10")
def code15_total(batch: Batch, ctx: CrossContext) -> Yield:
    """Risc maternal lasts at most 120 days in all."""
    yield from _chain_total(batch, "15", 120)


@rule("EPISODE_PERCENT_BAND", severity="warning", fields=("indemnCode", "days", "paymentPercent"), scope="cross",
      valid_from="2025-08-01", basis="episode",
      message="Episodul de boală obișnuită (cod 01) început cu {root} are acum {total} zile, deci {new}%: "
              "certificatul {cert}, socotit la {old}% ({sofar} zile), trebuie recalculat",
      source=f"{OUG} art. 17 alin. (1), (1^2); {NORME} art. 30^1")
def episode_percent_band(batch: Batch, ctx: CrossContext) -> Yield:
    """Code 01 from 01.08.2025: a continuation that raises the episode's band recalculates earlier certificates."""
    day15 = ctx.policy.code01_day15_percent
    for certs in batch.by_pid.values():
        if len(certs) < 2:  # a lone certificate is its whole episode: no band to move
            continue
        last: dict[int, Certificate] = {}
        for c in certs:
            ep = batch.episodes.get(id(c))
            if ep is not None and c.indemnCode == "01":
                last[id(ep.root)] = c
        for c in certs:
            ep = batch.episodes.get(id(c))
            if ep is None or c.indemnCode != "01" or ep.root.continuation or ep.total <= ep.days_so_far:
                continue
            on = ep.root.issueDate or ep.root.validFrom or ctx.today
            old = percent("01", on, ep.days_so_far, day15)
            new = percent("01", on, ep.total, day15)
            if old is not None and new is not None and new > old:
                mover = last.get(id(ep.root), c)
                yield [c, mover], {"root": label(ep.root), "total": ep.total, "new": new, "old": old,
                                   "sofar": ep.days_so_far, "cert": label(c)}

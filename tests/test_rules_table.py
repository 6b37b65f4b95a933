"""Every rule: one accepted and one rejected case, each row citing the article it tests.

Single-certificate rows patch a valid base certificate; cross rows build a small set of
certificates and name the one that must (or must not) carry the finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from formproc.identity import make_cnp, make_cui
from formproc.model import Certificate
from formproc.rules import REGISTRY, validate_record, validate_records

TODAY = date(2026, 11, 1)
PID = make_cnp(date(1985, 3, 14), female=True)
PID2 = make_cnp(date(1990, 7, 1), serial=203)
CHILD = make_cnp(date(2019, 5, 2), serial=88)
CUI = make_cui("3154321")

BASE: dict[str, Any] = {
    "serialCode": "CCMAT", "serialNo": "4512301", "continuation": False, "month": 10, "year": 2026,
    "indemnCode": "01", "lastName": "IONESCU", "firstName": "MARIA", "pid": PID, "issueDate": "2026-10-05",
    "days": 4, "validFrom": "2026-10-05", "validTo": "2026-10-08", "diagCode": "463", "diagType": "0",
    "insuredOrgUnit": "CAS-IS", "certType": "AM", "issuerType": "MF", "conventionCas": "CAS-IS", "cui": CUI,
    "stencil": "A1B2C3",
}


def make(**patch: Any) -> Certificate:
    """The base certificate with some fields changed (None removes a field)."""
    data = {**BASE, **patch}
    return Certificate.model_validate({k: v for k, v in data.items() if v is not None})


def period(start: str, end: str) -> dict[str, Any]:
    """validFrom/validTo/days/month/year/issueDate for a period (issued on its first day)."""
    a, b = date.fromisoformat(start), date.fromisoformat(end)
    return {"validFrom": start, "validTo": end, "days": (b - a).days + 1, "month": a.month, "year": a.year,
            "issueDate": start}


SERIAL = [7000000]


def chain(*periods: tuple[str, str], pid: str = PID, code: str = "01", issuer: str = "SPEC",
          **extra: Any) -> list[Certificate]:
    """An initial certificate and its continuations (each issued on the previous one's last day)."""
    out: list[Certificate] = []
    for start, end in periods:
        SERIAL[0] += 1
        data = {**period(start, end), "serialNo": str(SERIAL[0]), "pid": pid, "indemnCode": code,
                "issuerType": issuer, **extra}
        if out:
            data.update(continuation=True, prevSerialCode="CCMAT", prevSerialNo=out[-1].serialNo,
                        issueDate=out[-1].validTo.isoformat())
        out.append(make(**data))
    return out


def months(first: date, count: int) -> list[tuple[str, str]]:
    """Whole calendar months as periods, starting with the month of `first`."""
    out = []
    day = first.replace(day=1)
    for _ in range(count):
        nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((day.isoformat(), (nxt - timedelta(days=1)).isoformat()))
        day = nxt
    return out


@dataclass
class Case:
    """A rule, the article it checks, and an accepted and a rejected patch of the base certificate."""

    rule: str
    cite: str
    accepted: dict[str, Any]
    rejected: dict[str, Any]
    today: date = TODAY


EXPERT = {"expertNo": "123", "expertDate": "2026-10-01", "expertStencil": "E1234", "expertName": "DR EXPERT"}
EXPERT_DATES = {"expertNo": "123", "expertDate": date(2026, 8, 1), "expertStencil": "E1234"}
HOSPITAL = {"certType": "IN", "ward": "Chirurgie", "issuerType": "SPITAL"}
EXTERN = {"externDays": 7, "externValidFrom": "2026-10-09", "externValidTo": "2026-10-15"}

CASES = [
    Case("SERIAL_FORMAT", "Instrucțiuni 2020 art. 5-6", {}, {"serialNo": "45A1"}),
    Case("SERIAL_FORMAT", "Instrucțiuni 2020 art. 5-6 (serie lipsă)", {}, {"serialCode": None}),
    Case("REQUIRED_FIELD", "Instrucțiuni 2020 art. 11 pct. 23", {}, {"stencil": None}),
    Case("REQUIRED_FIELD", "Instrucțiuni 2020 art. 11 pct. 3", {}, {"continuation": None}),
    Case("CNP_CHECKSUM", "Instrucțiuni 2020 art. 11 pct. 9",
         {"pid": make_cnp(date(2000, 2, 29), foreign=True)}, {"pid": PID[:-1] + str((int(PID[-1]) + 1) % 10)}),
    Case("CNP_CHECKSUM", "Instrucțiuni 2020 art. 11 pct. 9 (13 cifre)", {}, {"pid": "28503142201"}),
    Case("CHILD_CNP_CHECKSUM", "Instrucțiuni 2020 art. 11 pct. 9", {"indemnCode": "09", "childPid": CHILD},
         {"indemnCode": "09", "childPid": CHILD[:-1] + str((int(CHILD[-1]) + 1) % 10)}),
    Case("CHILD_CNP_NOT_INSURED", "Instrucțiuni 2020 art. 11 pct. 9", {"indemnCode": "09", "childPid": CHILD},
         {"indemnCode": "09", "childPid": PID}),
    Case("CUI_CHECKSUM", "Instrucțiuni 2020 art. 11 pct. 22", {"cui": "RO" + CUI}, {"cui": "31543211"}),
    Case("PAYER_CUI_CHECKSUM", "Instrucțiuni 2020 art. 12 pct. 4", {"payerCui": CUI}, {"payerCui": "12345678"}),
    Case("STENCIL_FORMAT", "Instrucțiuni 2020 art. 11 pct. 23; XSD stencil", {"stencil": "12345"},
         {"stencil": "a1b2"}),
    Case("STENCIL_FORMAT", "Instrucțiuni 2020 art. 11 pct. 21 (șef secție)", {**HOSPITAL, "cheifStencil": "C12345"},
         {**HOSPITAL, "cheifStencil": "C-1"}),
    Case("INDEMNITY_CODE", "Instrucțiuni 2020 art. 11 pct. 6", {"indemnCode": "51"}, {"indemnCode": "18"}),
    Case("INDEMNITY_CODE", "OUG 158/2005 art. 30^1 (cod 17 din 16.04.2022)",
         {"indemnCode": "17", "childPid": make_cnp(date(1950, 1, 1)), **period("2022-04-20", "2022-04-22"),
          "issuerType": "SPEC"},
         {"indemnCode": "17", "childPid": make_cnp(date(1950, 1, 1)), **period("2022-04-04", "2022-04-06"),
          "issuerType": "SPEC"}),
    Case("EMERGENCY_CODE", "HG 423/2020 anexa cap. I", {"indemnCode": "06", "emergency": "177"},
         {"indemnCode": "06", "emergency": "178"}),
    Case("GROUP_A_CODE", "HG 423/2020 anexa cap. II", {"indemnCode": "05", "contagious": "35"},
         {"indemnCode": "05", "contagious": "37"}),
    Case("GROUP_A_CODE_36", "D112 D_12 vs HG 423/2020 anexa cap. II", {"indemnCode": "05", "contagious": "12"},
         {"indemnCode": "05", "contagious": "36"}),
    Case("DIAGNOSIS_CODE", "Instrucțiuni 2020 art. 11 pct. 17", {"diagCode": "001"}, {"diagCode": "000"}),
    Case("CAS_CODE", "Instrucțiuni 2020 art. 11 pct. 7", {"insuredOrgUnit": "CAS-AB"}, {"insuredOrgUnit": "CAS-XX"}),
    Case("DAYS_COUNT", "Instrucțiuni 2020 art. 11 pct. 15", {}, {"days": 5}),
    Case("PERIOD_ORDER", "Instrucțiuni 2020 art. 11 pct. 16", {},
         {"validFrom": "2026-10-08", "validTo": "2026-10-05", "issueDate": "2026-10-08"}),
    Case("PERIOD_IN_MONTH", "Instrucțiuni 2020 art. 11 pct. 5", {},
         {"validTo": "2026-11-01", "days": 28, "issuerType": "SPEC"}),
    Case("PERIOD_IN_MONTH", "Instrucțiuni 2020 art. 11 pct. 5 (luna înscrisă)", {}, {"month": 9}),
    Case("ISSUE_IN_FUTURE", "Norme art. 9 alin. (1)", {},
         {**period("2026-11-02", "2026-11-03")}),
    Case("ISSUE_RETROACTIVE", "Norme art. 9 alin. (2)", {"issueDate": "2026-10-06"}, {"issueDate": "2026-10-08"}),
    Case("LATE_ISSUE_MONTH", "Norme art. 9 alin. (4)",
         {"indemnCode": "08", **period("2026-09-03", "2026-09-06"), "issueDate": "2026-10-05"},
         {"indemnCode": "08", **period("2026-08-03", "2026-08-06"), "issueDate": "2026-10-05"}),
    Case("ISSUE_BEFORE_START", "Norme art. 9 alin. (1), art. 33 alin. (5)", {"issueDate": "2026-10-04"},
         {"issueDate": "2026-10-02"}),
    Case("CONTINUATION_PREVIOUS", "Instrucțiuni 2020 art. 11 pct. 4",
         {"continuation": True, "prevSerialCode": "CCMAT", "prevSerialNo": "4512300"}, {"continuation": True}),
    Case("INITIAL_WITH_PREVIOUS", "Instrucțiuni 2020 art. 11 pct. 3-4", {}, {"prevSerialNo": "4512300"}),
    Case("CERT_TYPE_WARD", "Instrucțiuni 2020 art. 11 pct. 12", HOSPITAL, {**HOSPITAL, "ward": None}),
    Case("CHIEF_STENCIL_HOSPITAL", "Instrucțiuni 2020 art. 11 pct. 21", {**HOSPITAL, "cheifStencil": "C12345"},
         {"cheifStencil": "C12345"}),
    Case("EXTERN_ONLY_HOSPITAL", "Instrucțiuni 2020 art. 11 pct. 13", {**HOSPITAL, **EXTERN}, EXTERN),
    Case("EXTERN_DAYS_COUNT", "Instrucțiuni 2020 art. 11 pct. 13, 15", {**HOSPITAL, **EXTERN},
         {**HOSPITAL, **EXTERN, "externDays": 6}),
    Case("EXTERN_AFTER_STAY", "Norme art. 25 alin. (3)", {**HOSPITAL, **EXTERN},
         {**HOSPITAL, **EXTERN, "externValidFrom": "2026-10-12", "externValidTo": "2026-10-18"}),
    Case("CODE05_GROUP_A", "Instrucțiuni 2020 art. 11 pct. 1", {"indemnCode": "05", "contagious": "12"},
         {"indemnCode": "05"}),
    Case("CODE06_EMERGENCY", "Instrucțiuni 2020 art. 11 pct. 1", {"indemnCode": "06", "emergency": "44"},
         {"indemnCode": "06"}),
    Case("CODE06_MAX_DAYS", "Norme art. 26",
         {"indemnCode": "06", "emergency": "44", **period("2026-10-05", "2026-10-09")},
         {"indemnCode": "06", "emergency": "44", **period("2026-10-05", "2026-10-10")}),
    Case("CODE06_NOT_DISCHARGE", "Norme art. 12", {"indemnCode": "06", "emergency": "44", **HOSPITAL},
         {"indemnCode": "06", "emergency": "44", **HOSPITAL, **EXTERN}),
    Case("CODE07_DOCUMENT", "Instrucțiuni 2020 art. 11 pct. 6",
         {"indemnCode": "07", "issueDate": "2026-10-09", "observations": "Decizia DSP Iași nr. 1234/2026, 4 zile"},
         {"indemnCode": "07", "issueDate": "2026-10-09", "observations": "carantină"}),
    Case("AFTER_END_ISSUE", "Norme art. 37 alin. (2), art. 23^1",
         {"indemnCode": "51", **period("2026-09-01", "2026-09-04"), "issueDate": "2026-10-04"},
         {"indemnCode": "51", **period("2026-09-01", "2026-09-04"), "issueDate": "2026-10-05"}),
    Case("MONTHLY_CERT_DAYS", "Norme art. 36 alin. (2)",
         {"indemnCode": "10", **EXPERT, **period("2026-10-01", "2026-10-30"), "issuerType": "SPEC"},
         {"indemnCode": "10", **EXPERT, **period("2026-10-01", "2026-10-31"), "issuerType": "SPEC"}),
    Case("CHILD_CNP_REQUIRED", "Instrucțiuni 2020 art. 11 pct. 9", {"indemnCode": "09", "childPid": CHILD},
         {"indemnCode": "09"}),
    Case("CHILD_AGE", "OUG 158/2005 art. 26 alin. (1) (copil cu handicap sub 18 ani)",
         {"indemnCode": "09", "childPid": make_cnp(date(2009, 1, 1))},
         {"indemnCode": "09", "childPid": make_cnp(date(2008, 1, 1))}),
    Case("CHILD_AGE", "OUG 158/2005 art. 26 alin. (1^1) (cod 91, sub 18 ani)",
         {"indemnCode": "91", "childPid": make_cnp(date(2009, 1, 1)), "issuerType": "SPEC"},
         {"indemnCode": "91", "childPid": make_cnp(date(2008, 10, 5)), "issuerType": "SPEC"}),
    Case("CHILD_AGE_DISABLED", "OUG 158/2005 art. 26 alin. (1); Legea 179/2023 (12 ani de la 26.06.2023)",
         {"indemnCode": "09", "childPid": make_cnp(date(2015, 1, 1)), **period("2023-06-26", "2023-06-27")},
         {"indemnCode": "09", "childPid": make_cnp(date(2015, 1, 1)), **period("2023-06-20", "2023-06-21")}),
    Case("CODE17_PATIENT_CNP", "OUG 158/2005 art. 30^1",
         {"indemnCode": "17", "childPid": make_cnp(date(1950, 1, 1))}, {"indemnCode": "17"}),
    Case("CODE17_PATIENT_AGE", "OUG 158/2005 art. 30^1 alin. (1)",
         {"indemnCode": "17", "childPid": make_cnp(date(1950, 1, 1))}, {"indemnCode": "17", "childPid": CHILD}),
    Case("EXPERT_APPROVAL", "Instrucțiuni 2020 art. 11 pct. 6; Norme art. 36",
         {"indemnCode": "10", **EXPERT}, {"indemnCode": "10", **EXPERT, "expertStencil": None}),
    Case("EXPERT_DATE_ORDER", "Instrucțiuni 2020 art. 11 pct. 6", EXPERT, {**EXPERT, "expertDate": "2026-10-06"}),
    Case("CODE15_RM", "Instrucțiuni 2020 art. 11 pct. 17", {"indemnCode": "15", "diagCode": "RM",
                                                            "maternStencil": "M1234"},
         {"indemnCode": "15", "maternStencil": "M1234"}),
    Case("RM_ONLY_CODE15", "Instrucțiuni 2020 art. 11 pct. 17", {}, {"diagCode": "RM"}),
    Case("CODE15_OCCUPATIONAL", "Norme art. 50", {"indemnCode": "15", "diagCode": "RM", "maternStencil": "M1234"},
         {"indemnCode": "15", "diagCode": "RM"}),
    Case("CODE91_SPECIALIST", "OUG 158/2005 art. 28 alin. (2)",
         {"indemnCode": "91", "childPid": CHILD, "issuerType": "SPEC"}, {"indemnCode": "91", "childPid": CHILD}),
    Case("MF_FIRST_STAGE", "Norme art. 10^1 alin. (2), art. 20 alin. (1)", {},
         {**period("2026-10-05", "2026-10-09")}),
    Case("MF_EPISODE_DAYS", "Norme art. 20 alin. (1)",
         {"continuation": True, "prevSerialCode": "CCMAT", "prevSerialNo": "1", **period("2026-10-05", "2026-10-07")},
         {"continuation": True, "prevSerialCode": "CCMAT", "prevSerialNo": "1",
          **period("2026-10-05", "2026-10-12")}),
    Case("MF_CHILD_CARE_DAYS", "Norme art. 46 alin. (3)",
         {"indemnCode": "09", "childPid": CHILD, **period("2026-10-05", "2026-10-18")},
         {"indemnCode": "09", "childPid": CHILD, **period("2026-10-05", "2026-10-19")}),
    Case("SPEC_FIRST_STAGE", "Norme art. 10^1 alin. (2), art. 24 alin. (2)",
         {"issuerType": "SPEC", **period("2026-10-05", "2026-10-19")},
         {"issuerType": "SPEC", **period("2026-10-05", "2026-10-20")}),
    Case("DISCHARGE_DAYS", "Norme art. 25 alin. (3)", {**HOSPITAL, **EXTERN},
         {**HOSPITAL, **EXTERN, "externDays": 8, "externValidTo": "2026-10-16"}),
    Case("DISCHARGE_DAYS", "Norme art. 25 alin. (3) (21 de zile cu șeful de secție)",
         {**HOSPITAL, "cheifStencil": "C12345", "externDays": 21, "externValidFrom": "2026-10-09",
          "externValidTo": "2026-10-29"},
         {**HOSPITAL, "cheifStencil": "C12345", "externDays": 22, "externValidFrom": "2026-10-09",
          "externValidTo": "2026-10-30"}),
    Case("CAS_ISSUER_FIELD", "Instrucțiuni 2020 art. 11 pct. 24", {"issuerType": "CAS", "casIssuer": "CAS-IS"},
         {"issuerType": "CAS"}),
]


def _rules_of(findings) -> set[str]:
    return {f.rule for f in findings}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}:{c.cite}" for c in CASES])
def test_single_rule(case: Case) -> None:
    accepted = validate_record(make(**case.accepted), today=case.today)
    rejected = validate_record(make(**case.rejected), today=case.today)
    assert case.rule not in _rules_of(accepted), [f.message for f in accepted]
    hits = [f for f in rejected if f.rule == case.rule]
    assert hits, f"{case.rule} not reported; got {_rules_of(rejected)}"
    rule = REGISTRY[case.rule]
    assert all(f.severity == rule.severity and f.source == rule.source for f in hits)
    assert all("{" not in f.message for f in hits), hits[0].message


@dataclass
class CrossCase:
    """A cross rule, its article, and record sets where the rule must not / must report on `index`."""

    rule: str
    cite: str
    accepted: list[Certificate]
    rejected: list[Certificate]
    index: int = -1
    history: list[Certificate] = field(default_factory=list)


def _ep_band() -> tuple[list[Certificate], list[Certificate]]:
    ok = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-11"))
    bad = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-22"))
    return ok, bad


def _issue_late() -> tuple[list[Certificate], list[Certificate]]:
    # the first stage ends on Saturday 10.10.2026: the continuation may be issued on Monday 12.10
    ok = chain(("2026-10-07", "2026-10-10"), ("2026-10-11", "2026-10-14"))
    ok[1] = ok[1].model_copy(update={"issueDate": date(2026, 10, 12)})
    bad = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    bad[1] = bad[1].model_copy(update={"issueDate": date(2026, 10, 9)})
    return ok, bad


def _gap() -> tuple[list[Certificate], list[Certificate]]:
    ok = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    bad = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    bad[1] = bad[1].model_copy(update={"validFrom": date(2026, 10, 10), "days": 3, "issueDate": date(2026, 10, 8)})
    return ok, bad


def _diag() -> tuple[list[Certificate], list[Certificate]]:
    ok = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    bad = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    bad[1] = bad[1].model_copy(update={"diagCode": "464"})
    return ok, bad


def _other_person() -> tuple[list[Certificate], list[Certificate]]:
    ok = chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"))
    first = chain(("2026-10-05", "2026-10-08"), pid=PID2)[0]
    cont = chain(("2026-10-09", "2026-10-12"))[0].model_copy(update={
        "continuation": True, "prevSerialCode": "CCMAT", "prevSerialNo": first.serialNo})
    return ok, [first, cont]


def _overlap() -> tuple[list[Certificate], list[Certificate]]:
    a = chain(("2026-10-05", "2026-10-08"))[0]
    b = chain(("2026-10-07", "2026-10-09"), code="09", childPid=CHILD)[0]
    noted = b.model_copy(update={"observations": f"Suprapunere cu CM seria CCMAT nr {a.serialNo}"})
    return [a, noted], [a, b]


def _serial() -> tuple[list[Certificate], list[Certificate]]:
    a = make()
    dup = make(duplicate=1, duplSerialCode="CCMAT", duplSerialNo="4512301", pid=PID2)
    other = make(pid=PID2)
    return [a, dup], [a, other]


def _mf_year() -> tuple[list[Certificate], list[Certificate]]:
    def seven(n: int) -> list[Certificate]:
        out = []
        for m in range(1, n + 1):
            out += chain((f"2026-{m:02d}-03", f"2026-{m:02d}-06"), issuer="MF")
        return out
    return seven(7), seven(8)


def _approved_on_third() -> list[Certificate]:
    certs = chain(*months(date(2026, 6, 1), 4))
    certs[2] = certs[2].model_copy(update=EXPERT_DATES)
    return certs


CROSS_CASES = [
    CrossCase("CONTINUATION_SAME_PERSON", "Instrucțiuni 2020 art. 11 pct. 3-4", *_other_person()),
    CrossCase("CONTINUATION_PREVIOUS_FOUND", "Instrucțiuni 2020 art. 11 pct. 4",
              chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12")),
              [make(continuation=True, prevSerialCode="CCMAT", prevSerialNo="999", issuerType="SPEC")],
              history=[make(serialNo="555", pid=PID2)]),
    CrossCase("CONTINUATION_SAME_DIAGNOSIS", "Instrucțiuni 2020 art. 11 pct. 17", *_diag()),
    CrossCase("CONTINUATION_NO_GAP", "OUG 158/2005 art. 35; Norme art. 32", *_gap()),
    CrossCase("CONTINUATION_ISSUE_DATE", "Norme art. 9 alin. (3), (3^1)", *_issue_late()),
    CrossCase("OVERLAP", "Norme art. 33 alin. (3)", *_overlap()),
    CrossCase("SERIAL_UNIQUE", "Instrucțiuni 2020 art. 4-6, 10", *_serial(), index=0),
    CrossCase("EXPERT_FROM_DAY_91", "OUG 158/2005 art. 13 alin. (2)",
              chain(*months(date(2026, 7, 1), 2), ("2026-09-01", "2026-09-28")),
              chain(*months(date(2026, 7, 1), 3))),
    CrossCase("EXPERT_FROM_DAY_91", "OUG 158/2005 art. 13 alin. (2) (aviz pe certificatul anterior)",
              _approved_on_third(), chain(*months(date(2026, 6, 1), 4))),
    CrossCase("ITM_183_DAYS", "OUG 158/2005 art. 13 alin. (1)",
              chain(*months(date(2026, 1, 1), 6), **EXPERT),
              chain(*months(date(2026, 1, 1), 7), **EXPERT)),
    CrossCase("MF_YEAR_DAYS", "Norme art. 20 alin. (3)-(4)", *_mf_year()),
    CrossCase("MF_EPISODE_TOTAL", "Norme art. 20 alin. (1)",
              chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-11"), issuer="MF"),
              chain(("2026-10-05", "2026-10-08"), ("2026-10-09", "2026-10-12"), issuer="MF")),
    CrossCase("CHILD_CARE_45", "OUG 158/2005 art. 29 alin. (1)",
              chain(("2026-03-01", "2026-03-31"), code="09", childPid=CHILD)
              + chain(("2026-05-01", "2026-05-14"), pid=PID2, code="09", childPid=CHILD),
              chain(("2026-03-01", "2026-03-31"), code="09", childPid=CHILD)
              + chain(("2026-05-01", "2026-05-15"), pid=PID2, code="09", childPid=CHILD)),
    CrossCase("ONCOLOGY_CARE_45", "OUG 158/2005 art. 30^1 alin. (3)",
              chain(("2026-03-01", "2026-03-31"), code="17", childPid=make_cnp(date(1950, 1, 1)))
              + chain(("2026-05-01", "2026-05-14"), code="17", childPid=make_cnp(date(1950, 1, 1))),
              chain(("2026-03-01", "2026-03-31"), code="17", childPid=make_cnp(date(1950, 1, 1)))
              + chain(("2026-05-01", "2026-05-15"), code="17", childPid=make_cnp(date(1950, 1, 1)))),
    CrossCase("CODE08_TOTAL", "OUG 158/2005 art. 23-24",
              chain(*months(date(2026, 5, 1), 4), ("2026-09-01", "2026-09-03"), code="08"),
              chain(*months(date(2026, 5, 1), 4), ("2026-09-01", "2026-09-04"), code="08")),
    CrossCase("CODE15_TOTAL", "Norme art. 50",
              chain(*months(date(2026, 5, 1), 3), ("2026-08-01", "2026-08-28"), code="15", diagCode="RM",
                    maternStencil="M1234"),
              chain(*months(date(2026, 5, 1), 3), ("2026-08-01", "2026-08-29"), code="15", diagCode="RM",
                    maternStencil="M1234")),
    CrossCase("EPISODE_PERCENT_BAND", "OUG 158/2005 art. 17 alin. (1); Norme art. 30^1", *_ep_band(), index=0),
]


@pytest.mark.parametrize("case", CROSS_CASES, ids=[f"{c.rule}:{c.cite}" for c in CROSS_CASES])
def test_cross_rule(case: CrossCase) -> None:
    accepted = validate_records(case.accepted, case.history, today=TODAY)
    assert all(case.rule not in _rules_of(fs) for fs in accepted), \
        [f.message for fs in accepted for f in fs if f.rule == case.rule]
    rejected = validate_records(case.rejected, case.history, today=TODAY)
    hits = [f for f in rejected[case.index] if f.rule == case.rule]
    assert hits, f"{case.rule} not reported; got {[_rules_of(fs) for fs in rejected]}"
    assert all(f.severity == REGISTRY[case.rule].severity for f in hits)
    assert all("{" not in f.message for f in hits), hits[0].message


def test_every_rule_has_a_case() -> None:
    """Each rule of the validation families has an accepted and a rejected case above."""
    covered = {c.rule for c in CASES} | {c.rule for c in CROSS_CASES}
    own = {r.id for r in REGISTRY.values() if r.family != "payer"}
    assert own - covered == set()
    assert covered - set(REGISTRY) == set()

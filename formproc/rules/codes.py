"""Rules per indemnity code: what each code requires on the certificate."""

from __future__ import annotations

import re
from datetime import date, timedelta

from formproc.identity import age_on
from formproc.model import Certificate
from formproc.rules.lookup import cnp_check, entry
from formproc.rules.registry import Context, Hit, rule
from formproc.rules.sources import D112, HG423, INSTR, NORME, OUG

CHILD_CODES = ("09", "91", "92")
DIGIT = re.compile(r"\d")


def child_limits(code: str, on: date) -> tuple[int | None, int | None, int | None]:
    """(under, underDisabled, over) age limits of a child/patient-care code in force on `on`."""
    found = entry("indemnity", code, on)
    for period in (found.attrs.get("childAge", []) if found else []):
        start, end = period.get("validFrom"), period.get("validTo")
        if (start is None or date.fromisoformat(start) <= on) and (end is None or on <= date.fromisoformat(end)):
            return period.get("under"), period.get("underDisabled"), period.get("over")
    return None, None, None


def _age(r: Certificate) -> int | None:
    if not r.childPid or not r.validFrom or cnp_check(r.childPid):
        return None
    return age_on(r.childPid, r.validFrom)


@rule("CODE05_GROUP_A", severity="error", fields=("indemnCode", "contagious"), codes=("05",),
      message="Codul 05 (boală infectocontagioasă grupa A) cere numărul bolii din lista grupei A (1-35)",
      source=f"{INSTR} art. 11 pct. 1; {HG423} anexa cap. II; {D112} D_12")
def code05_group_a(r: Certificate, ctx: Context) -> Hit:
    """Code 05 carries the group-A disease number."""
    return None if r.contagious else {}


@rule("CODE06_EMERGENCY", severity="error", fields=("indemnCode", "emergency"), codes=("06",),
      message="Codul 06 (urgență medico-chirurgicală) cere numărul urgenței din listă (1-177)",
      source=f"{INSTR} art. 11 pct. 1; {HG423} anexa cap. I; {D112} D_11")
def code06_emergency(r: Certificate, ctx: Context) -> Hit:
    """Code 06 carries the emergency number."""
    return None if r.emergency else {}


@rule("CODE06_MAX_DAYS", severity="error", fields=("indemnCode", "days", "certType"), codes=("06",),
      message="Urgența fără internare (cod 06) se acordă pentru cel mult 5 zile calendaristice; certificatul are "
              "{days} zile",
      source=f"{NORME} art. 26")
def code06_max_days(r: Certificate, ctx: Context) -> Hit:
    """An emergency not hospitalised gets at most 5 calendar days, in one stage."""
    if r.certType in ("IN", "EX") or r.days is None:
        return None
    return {} if r.days > 5 else None


@rule("CODE06_NOT_DISCHARGE", severity="error", fields=("indemnCode", "certType", "externDays"), codes=("06",),
      message="Codul 06 nu se folosește pe certificatul acordat la externare (tip {certType}, zile la externare "
              "{externDays}); perioada de după externare se acordă pe un certificat nou, cu alt cod",
      source=f"{NORME} art. 12")
def code06_not_discharge(r: Certificate, ctx: Context) -> Hit:
    """The discharge certificate never carries code 06."""
    return {} if r.certType == "EX" or r.externDays or r.externValidFrom else None


@rule("CODE07_DOCUMENT", severity="error", fields=("indemnCode", "observations"), codes=("07",),
      message="Codul 07 (carantină) cere în „Observații” numărul documentului DSP și durata carantinei "
              "(găsit: {observations})",
      source=f"{INSTR} art. 11 pct. 6; {NORME} art. 37 alin. (2)")
def code07_document(r: Certificate, ctx: Context) -> Hit:
    """Quarantine: the public-health document (a number) is written under Observații."""
    return None if r.observations and DIGIT.search(r.observations) else {}


@rule("AFTER_END_ISSUE", severity="error", fields=("indemnCode", "issueDate", "validTo"), codes=("07", "51"),
      message="Certificatul de carantină/izolare (cod {indemnCode}) se eliberează după încheierea perioadei "
              "({validTo}) și cel târziu în 30 de zile; data acordării este {issueDate}",
      source=f"{NORME} art. 37 alin. (2), art. 23^1")
def after_end_issue(r: Certificate, ctx: Context) -> Hit:
    """Quarantine and isolation certificates are issued within 30 days after the period ends."""
    if r.duplicate or not r.issueDate or not r.validTo:
        return None
    return {} if r.issueDate > r.validTo + timedelta(days=30) else None


@rule("MONTHLY_CERT_DAYS", severity="error", fields=("indemnCode", "days"),
      codes=("08", "10", "12", "13", "14", "15", "16", "51"),
      message="Certificatul cu codul {indemnCode} se acordă pentru cel mult {limit} zile; are {days}",
      source=f"{NORME} art. 24 alin. (1), art. 23^1 alin. (2), art. 36 alin. (2), art. 41, art. 50")
def monthly_cert_days(r: Certificate, ctx: Context) -> Hit:
    """Codes given month by month: at most 30/31 days per certificate (30 for code 10)."""
    if r.days is None:
        return None
    limit = 30 if r.indemnCode == "10" else 31
    return {"limit": limit} if r.days > limit else None


@rule("CHILD_CNP_REQUIRED", severity="error", fields=("indemnCode", "childPid"), codes=CHILD_CODES,
      message="Codul {indemnCode} (îngrijirea copilului) cere CNP-ul copilului",
      source=f"{INSTR} art. 11 pct. 9; {D112} D_8")
def child_cnp_required(r: Certificate, ctx: Context) -> Hit:
    """Child-care codes carry the child's CNP."""
    return None if r.childPid else {}


@rule("CHILD_AGE", severity="error", fields=("indemnCode", "childPid", "validFrom"), codes=CHILD_CODES,
      message="Copilul cu CNP {childPid} are {age} ani la {validFrom}; codul {indemnCode} se acordă pentru "
              "copilul sub {limit} ani (limita în vigoare la {on})",
      source=f"{OUG} art. 26 alin. (1), (1^1), (1^4); Legea 179/2023; OUG 74/2021; Legea 73/2022")
def child_age(r: Certificate, ctx: Context) -> Hit:
    """The child's age on the first day of leave is under the limit in force (disabled child: see CHILD_AGE_DISABLED)."""
    age = _age(r)
    if age is None:
        return None
    under, under_disabled, _ = child_limits(r.indemnCode or "", ctx.on)
    limit = under_disabled or under
    if limit is None:
        return None
    if age < 0:
        return {"age": "0 (născut după începutul concediului)", "limit": limit, "on": ctx.on}
    return {"age": age, "limit": limit, "on": ctx.on} if age >= limit else None


@rule("CHILD_AGE_DISABLED", severity="warning", fields=("indemnCode", "childPid", "validFrom"), codes=("09",),
      message="Copilul cu CNP {childPid} are {age} ani la {validFrom}: codul 09 se acordă peste {under} ani "
              "doar pentru copilul cu handicap (afecțiuni intercurente, sub 18 ani); verificați încadrarea",
      source=f"{OUG} art. 26 alin. (1); Legea 179/2023")
def child_age_disabled(r: Certificate, ctx: Context) -> Hit:
    """Between the ordinary limit (7, from 26.06.2023 12) and 18 only a disabled child qualifies."""
    age = _age(r)
    under, under_disabled, _ = child_limits("09", ctx.on)
    if age is None or under is None or under_disabled is None:
        return None
    return {"age": age, "under": under} if under <= age < under_disabled else None


@rule("CODE17_PATIENT_CNP", severity="error", fields=("indemnCode", "childPid"), codes=("17",),
      message="Codul 17 (îngrijirea pacientului cu afecțiuni oncologice) cere CNP-ul pacientului",
      source=f"{OUG} art. 30^1; {D112} D_8a")
def code17_patient_cnp(r: Certificate, ctx: Context) -> Hit:
    """Oncology-patient care carries the patient's CNP."""
    return None if r.childPid else {}


@rule("CODE17_PATIENT_AGE", severity="warning", fields=("indemnCode", "childPid", "validFrom"), codes=("17",),
      message="Pacientul cu CNP {childPid} are {age} ani la {validFrom}; codul 17 privește pacientul cu afecțiuni "
              "oncologice în vârstă de peste 18 ani",
      source=f"{OUG} art. 30^1 alin. (1)")
def code17_patient_age(r: Certificate, ctx: Context) -> Hit:
    """The oncology patient is over 18."""
    age = _age(r)
    return {"age": age} if age is not None and age < 18 else None


@rule("EXPERT_APPROVAL", severity="error", fields=("indemnCode", "expertNo", "expertDate", "expertStencil"),
      codes=("10", "11"),
      message="Codul {indemnCode} cere avizul medicului expert: nr. {expertNo}, data {expertDate}, parafa "
              "{expertStencil}",
      source=f"{INSTR} art. 11 pct. 6; {NORME} art. 36 alin. (1)-(2); Legea 346/2002 art. 39-41; {D112} D_13")
def expert_approval(r: Certificate, ctx: Context) -> Hit:
    """Codes 10 and 11 carry the expert's approval: number, date and paraph."""
    return None if r.expertNo and r.expertDate and r.expertStencil else {}


@rule("EXPERT_DATE_ORDER", severity="warning", fields=("expertDate", "issueDate"), needs=("expertDate",),
      message="Avizul medicului expert are data {expertDate}, după data acordării certificatului {issueDate}",
      source=f"{INSTR} art. 11 pct. 6; {NORME} art. 18")
def expert_date_order(r: Certificate, ctx: Context) -> Hit:
    """The expert approves before the certificate is issued."""
    return {} if r.expertDate and r.issueDate and r.expertDate > r.issueDate else None


@rule("CODE15_RM", severity="error", fields=("indemnCode", "diagCode"), codes=("15",),
      message="Pe certificatul de risc maternal (cod 15) codul de diagnostic este „RM”, nu „{diagCode}”",
      source=f"{INSTR} art. 11 pct. 17; {D112} D_23")
def code15_rm(r: Certificate, ctx: Context) -> Hit:
    """Risc maternal: the diagnosis box reads RM."""
    return None if r.diagCode is None or r.diagCode == "RM" else {}


@rule("RM_ONLY_CODE15", severity="error", fields=("indemnCode", "diagCode"),
      message="Diagnosticul „RM” se folosește doar cu codul 15 (risc maternal), nu cu codul {indemnCode}",
      source=f"{INSTR} art. 11 pct. 17")
def rm_only_code15(r: Certificate, ctx: Context) -> Hit:
    """RM is the diagnosis of code 15 only."""
    return {} if r.diagCode == "RM" and r.indemnCode not in (None, "15") else None


@rule("CODE15_OCCUPATIONAL", severity="error", fields=("indemnCode", "maternStencil"), codes=("15",),
      message="Certificatul de risc maternal (cod 15) cere avizul medicului de medicina muncii (cod parafă "
              "{maternStencil})",
      source=f"{NORME} art. 50; OUG 96/2003 art. 10")
def code15_occupational(r: Certificate, ctx: Context) -> Hit:
    """Risc maternal carries the occupational doctor's paraph."""
    return None if r.maternStencil else {}


@rule("CODE91_SPECIALIST", severity="error", fields=("indemnCode", "issuerType"), codes=("91",),
      message="Codul 91 (copil cu afecțiuni grave) se acordă de medicul specialist, nu de medicul de familie",
      source=f"{OUG} art. 28 alin. (2)")
def code91_specialist(r: Certificate, ctx: Context) -> Hit:
    """Serious illness of a child: the specialist issues the certificate."""
    return {} if (r.issuerType or ctx.policy.issuer_type) == "MF" else None

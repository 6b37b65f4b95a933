"""Date rules within one certificate: day count, month, issue date, continuation, ward, discharge row."""

from __future__ import annotations

from datetime import date, timedelta

from formproc.model import Certificate
from formproc.rules.registry import Context, Hit, rule
from formproc.rules.sources import D112, INSTR, NORME

#: Codes of the later-issuance cases of Norme art. 9 alin. (4) that a record shows by itself:
#: maternity, quarantine, oncology, isolation, burns, oncology care, child in quarantine,
#: risc maternal; hospitalisation shows as certType IN/EX, expert cases as an expert approval.
LATE_ISSUE_CODES = frozenset({"07", "08", "14", "15", "16", "17", "51", "92"})
#: Issued after the quarantine/isolation ends, up to 30 days later (checked by their own rules).
AFTER_END_CODES = frozenset({"07", "51"})
ONE_DAY = timedelta(days=1)


def _first_of_previous_month(day: date) -> date:
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)


def late_issue_case(r: Certificate) -> bool:
    """True when the record shows one of the cases that may be issued later (Norme art. 9 alin. (4))."""
    return r.indemnCode in LATE_ISSUE_CODES or r.certType in ("IN", "EX") or bool(r.expertNo)


@rule("DAYS_COUNT", severity="error", fields=("days", "validFrom", "validTo"),
      message="Nr. zile {days} nu corespunde perioadei {validFrom} - {validTo} ({expected} zile calendaristice, "
              "prima și ultima zi incluse)",
      source=f"{INSTR} art. 11 pct. 15-16")
def days_count(r: Certificate, ctx: Context) -> Hit:
    """The number of days is the calendar days from the first to the last day, both included."""
    if r.days is None or r.validFrom is None or r.validTo is None or r.validTo < r.validFrom:
        return None
    expected = (r.validTo - r.validFrom).days + 1
    return {"expected": expected} if r.days != expected else None


@rule("PERIOD_ORDER", severity="error", fields=("validFrom", "validTo"),
      message="Data de început {validFrom} este după data de sfârșit {validTo}",
      source=f"{INSTR} art. 11 pct. 16")
def period_order(r: Certificate, ctx: Context) -> Hit:
    """The leave ends on or after its first day."""
    return {} if r.validFrom and r.validTo and r.validTo < r.validFrom else None


@rule("PERIOD_IN_MONTH", severity="error", fields=("month", "year", "validFrom", "validTo"),
      message="Perioada {validFrom} - {validTo} nu se încadrează în luna {month}/{year} pentru care este valabil "
              "certificatul; zilele din luna următoare se acordă pe un certificat „În continuare”",
      source=f"{INSTR} art. 11 pct. 5; {D112} D_6, D_7")
def period_in_month(r: Certificate, ctx: Context) -> Hit:
    """The leave lies in the month and year it is valid for and does not exceed that month."""
    if r.month is None or r.year is None:
        return None
    for day in (r.validFrom, r.validTo):
        if day is not None and (day.month != r.month or day.year != r.year):
            return {}
    return None


@rule("ISSUE_IN_FUTURE", severity="error", fields=("issueDate",),
      message="Data acordării {issueDate} este în viitor (azi este {today})",
      source=f"{NORME} art. 9 alin. (1)")
def issue_in_future(r: Certificate, ctx: Context) -> Hit:
    """A certificate is issued on the consultation date, which cannot be later than today."""
    return {"today": ctx.today} if r.issueDate and r.issueDate > ctx.today else None


@rule("ISSUE_RETROACTIVE", severity="warning", fields=("issueDate", "validFrom", "continuation"),
      message="Certificatul inițial acordat la {issueDate} începe la {validFrom}: retroactivitatea este de cel "
              "mult 24 de ore, în afara cazurilor din Norme art. 9 alin. (4) (de ex. imobilizare ortopedică, deces, "
              "transfer între spitale)",
      source=f"{NORME} art. 9 alin. (2), (4); {D112} D_6")
def issue_retroactive(r: Certificate, ctx: Context) -> Hit:
    """An initial certificate goes back at most 24 h, unless a later-issuance case applies."""
    if (r.continuation is not False or r.duplicate or not r.issueDate or not r.validFrom
            or r.issuerType == "CAS" or late_issue_case(r)):
        return None
    return {} if r.validFrom < r.issueDate - ONE_DAY else None


@rule("LATE_ISSUE_MONTH", severity="error", fields=("issueDate", "validFrom"),
      message="Certificatul acordat la {issueDate} începe la {validFrom}: eliberarea ulterioară este permisă doar "
              "pentru luna în curs sau luna anterioară",
      source=f"{NORME} art. 9 alin. (2), (4)")
def late_issue_month(r: Certificate, ctx: Context) -> Hit:
    """Even the later-issuance cases cover only the current or the previous month."""
    if (r.duplicate or not r.issueDate or not r.validFrom or r.issuerType == "CAS"
            or r.indemnCode in AFTER_END_CODES):
        return None
    return {} if r.validFrom < _first_of_previous_month(r.issueDate) else None


@rule("ISSUE_BEFORE_START", severity="warning", fields=("issueDate", "validFrom", "continuation"),
      message="Certificatul inițial acordat la {issueDate} începe abia la {validFrom}: concediul începe la data "
              "consultației sau, dacă asiguratul a lucrat în acea zi, a doua zi",
      source=f"{NORME} art. 9 alin. (1), art. 33 alin. (5)")
def issue_before_start(r: Certificate, ctx: Context) -> Hit:
    """An initial certificate starts on the consultation day or the next day."""
    if r.continuation is not False or r.duplicate or not r.issueDate or not r.validFrom:
        return None
    return {} if r.validFrom > r.issueDate + ONE_DAY else None


@rule("CONTINUATION_PREVIOUS", severity="error", fields=("continuation", "prevSerialCode", "prevSerialNo"),
      message="Certificatul „În continuare” nu are seria și numărul certificatului anterior "
              "(serie {prevSerialCode}, număr {prevSerialNo})",
      source=f"{INSTR} art. 11 pct. 3-4")
def continuation_previous(r: Certificate, ctx: Context) -> Hit:
    """A continuation names the previous certificate for the same illness."""
    return {} if r.continuation and not (r.prevSerialCode and r.prevSerialNo) else None


@rule("INITIAL_WITH_PREVIOUS", severity="warning", fields=("continuation", "prevSerialCode", "prevSerialNo"),
      needs=("prevSerialCode", "prevSerialNo"),
      message="Certificatul este bifat „Inițial”, dar are completat certificatul anterior {prevSerialCode} "
              "{prevSerialNo}; dacă prelungește aceeași afecțiune fără întrerupere, este „În continuare”",
      source=f"{INSTR} art. 11 pct. 3-4")
def initial_with_previous(r: Certificate, ctx: Context) -> Hit:
    """Only a continuation names a previous certificate."""
    return {} if r.continuation is False and (r.prevSerialCode or r.prevSerialNo) else None


@rule("CERT_TYPE_WARD", severity="error", fields=("certType", "ward"),
      message="Certificatul de internare/externare (tip {certType}) nu are completată secția",
      source=f"{INSTR} art. 11 pct. 12")
def cert_type_ward(r: Certificate, ctx: Context) -> Hit:
    """A hospital certificate names the ward the patient was discharged from."""
    return {} if r.certType in ("IN", "EX") and not r.ward else None


@rule("EXTERN_ONLY_HOSPITAL", severity="error", fields=("certType", "externDays", "externValidFrom", "externValidTo"),
      needs=("externDays", "externValidFrom", "externValidTo"),
      message="Rubrica „Concediu medical la externare” este completată pe un certificat de ambulatoriu "
              "(tip {certType})",
      source=f"{INSTR} art. 11 pct. 12-13; {NORME} art. 25 alin. (3)")
def extern_only_hospital(r: Certificate, ctx: Context) -> Hit:
    """The discharge row belongs to hospital certificates."""
    filled = r.externDays is not None or r.externValidFrom is not None or r.externValidTo is not None
    return {} if filled and r.certType == "AM" else None


@rule("EXTERN_DAYS_COUNT", severity="error", fields=("externDays", "externValidFrom", "externValidTo"),
      needs=("externDays", "externValidFrom", "externValidTo"),
      message="Concediul la externare: nr. zile {externDays} și perioada {externValidFrom} - {externValidTo} nu "
              "corespund ({expected})",
      source=f"{INSTR} art. 11 pct. 13, 15")
def extern_days_count(r: Certificate, ctx: Context) -> Hit:
    """The discharge row is complete, ordered, and its days are the calendar days of its period."""
    parts = (r.externDays, r.externValidFrom, r.externValidTo)
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        return {"expected": "rubrica trebuie completată integral"}
    assert r.externValidFrom is not None and r.externValidTo is not None
    if r.externValidTo < r.externValidFrom:
        return {"expected": "data de sfârșit este înaintea celei de început"}
    expected = (r.externValidTo - r.externValidFrom).days + 1
    return {"expected": f"{expected} zile calendaristice"} if r.externDays != expected else None


@rule("EXTERN_AFTER_STAY", severity="warning", fields=("validTo", "externValidFrom"), needs=("externValidFrom",),
      message="Concediul la externare începe la {externValidFrom}, dar internarea se termină la {validTo}; "
              "se așteaptă ziua externării sau ziua următoare",
      source=f"{INSTR} art. 11 pct. 13, 16; {NORME} art. 25 alin. (3)")
def extern_after_stay(r: Certificate, ctx: Context) -> Hit:
    """The discharge leave follows the hospital stay without a gap or an overlap."""
    if r.externValidFrom is None or r.validTo is None:
        return None
    return None if r.validTo <= r.externValidFrom <= r.validTo + ONE_DAY else {}


@rule("CHIEF_STENCIL_HOSPITAL", severity="warning", fields=("certType", "cheifStencil"), needs=("cheifStencil",),
      message="Parafa medicului șef de secție ({cheifStencil}) apare pe un certificat de ambulatoriu (tip {certType}); "
              "rubrica privește secția de spital din care a fost externat asiguratul",
      source=f"{INSTR} art. 11 pct. 12, 21")
def chief_stencil_hospital(r: Certificate, ctx: Context) -> Hit:
    """The head of ward signs hospital certificates."""
    return {} if r.cheifStencil and r.certType == "AM" else None

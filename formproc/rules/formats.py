"""Format rules: identifiers (CNP, CUI, paraph codes), series/number, required fields, code lists."""

from __future__ import annotations

import re
from datetime import date
from operator import itemgetter

from formproc.rules.lookup import cnp_check, contains, cui_check, entry
from formproc.model import Certificate, field_label
from formproc.rules.registry import Context, Hit, rule
from formproc.rules.sources import HG423, INSTR, XSD

SERIAL_CODE = re.compile(r"[A-Z0-9]{1,5}")
SERIAL_NO = re.compile(r"[0-9]{1,10}")
STENCIL = re.compile(r"[0-9A-Z]{5,6}")
STENCIL_FIELDS = ("stencil", "cheifStencil", "expertStencil", "maternStencil")
REQUIRED = ("pid", "lastName", "firstName", "indemnCode", "issueDate", "days", "validFrom", "validTo",
            "diagCode", "month", "year", "stencil", "continuation")
_REQUIRED_VALUES = itemgetter(*REQUIRED)
#: D112 accepts group-A code 36 for certificates from 24.10.2023; HG 423/2020 lists only 1-35.
GROUP_A_EXTRA = ("36", date(2023, 10, 24))


@rule("SERIAL_FORMAT", severity="error", fields=("serialCode", "serialNo"), annulled=True,
      message="Seria {serialCode} / numărul {serialNo} nu au forma cerută: serie de 1-5 litere mari sau cifre, "
              "număr de 1-10 cifre",
      source=f"{INSTR} art. 5-6; {XSD} (serialCode ≤5, serialNo ≤10)")
def serial_format(r: Certificate, ctx: Context) -> Hit:
    """Every sheet, annulled ones too, carries its printed series and number."""
    if r.serialCode and r.serialNo and SERIAL_CODE.fullmatch(r.serialCode) and SERIAL_NO.fullmatch(r.serialNo):
        return None
    return {}


@rule("REQUIRED_FIELD", severity="error", fields=REQUIRED,
      message="Rubrica obligatorie „{label}” ({field}) nu este completată",
      source=f"{INSTR} art. 11 pct. 3, 5, 6, 8, 9, 14-17, 23")
def required_field(r: Certificate, ctx: Context) -> Hit:
    """The doctor's part must be complete (not checked on annulled sheets)."""
    values = r.__dict__
    found = _REQUIRED_VALUES(values)
    if None not in found and "" not in found:
        return None
    missing = [name for name in REQUIRED if values[name] is None or values[name] == ""]
    return [{"field": name, "label": field_label(name), "fields": (name,)} for name in missing] or None


@rule("CNP_CHECKSUM", severity="error", fields=("pid",),
      message="CNP {pid} nu este valid: {problem}",
      source=f"{INSTR} art. 11 pct. 9; Legea 119/1996 (CNP)")
def cnp_checksum(r: Certificate, ctx: Context) -> Hit:
    """The patient's CNP: 13 digits, a real birth date (either century for 7/8/9), county, check digit."""
    if r.pid is None:
        return None
    problem = cnp_check(r.pid)
    return {"problem": problem} if problem else None


@rule("CHILD_CNP_CHECKSUM", severity="error", fields=("childPid",), needs=("childPid",),
      message="CNP-ul copilului/pacientului {childPid} nu este valid: {problem}",
      source=f"{INSTR} art. 11 pct. 9; Legea 119/1996 (CNP)")
def child_cnp_checksum(r: Certificate, ctx: Context) -> Hit:
    """The child's (or oncology patient's) CNP, when written, is a valid CNP."""
    if not r.childPid:
        return None
    problem = cnp_check(r.childPid)
    return {"problem": problem} if problem else None


@rule("CHILD_CNP_NOT_INSURED", severity="error", fields=("pid", "childPid"), needs=("childPid",),
      message="CNP-ul copilului/pacientului îngrijit ({childPid}) este chiar CNP-ul asiguratului",
      source=f"{INSTR} art. 11 pct. 9")
def child_cnp_not_insured(r: Certificate, ctx: Context) -> Hit:
    """The person cared for is someone else than the insured person."""
    return {} if r.childPid and r.childPid == r.pid else None


@rule("CUI_CHECKSUM", severity="error", fields=("cui",),
      message="C.U.I. al unității sanitare {cui} nu este valid: {problem}",
      source=f"{INSTR} art. 11 pct. 22; Legea 359/2004 (CUI)")
def cui_checksum(r: Certificate, ctx: Context) -> Hit:
    """The issuing unit's fiscal code, when written, has a valid check digit."""
    if not r.cui:
        return None
    problem = cui_check(r.cui)
    return {"problem": problem} if problem else None


@rule("PAYER_CUI_CHECKSUM", severity="error", fields=("payerCui",), needs=("payerCui",),
      message="C.U.I. al plătitorului {payerCui} nu este valid: {problem}",
      source=f"{INSTR} art. 12 pct. 4; Legea 359/2004 (CUI)")
def payer_cui_checksum(r: Certificate, ctx: Context) -> Hit:
    """The payer's fiscal code, when written, has a valid check digit (a person's CNP is also accepted)."""
    if not r.payerCui:
        return None
    problem = cui_check(r.payerCui)
    if problem and len(r.payerCui) == 13 and cnp_check(r.payerCui) is None:
        return None
    return {"problem": problem} if problem else None


@rule("STENCIL_FORMAT", severity="error", fields=STENCIL_FIELDS,
      message="Codul de parafă „{value}” ({field}) nu are forma cerută: 5-6 cifre sau litere mari",
      source=f"{INSTR} art. 11 pct. 21, 23; {XSD} (stencil [0-9A-Z]{{5,6}})")
def stencil_format(r: Certificate, ctx: Context) -> Hit:
    """Paraph codes of the doctor, head of ward, expert and occupational doctor."""
    if (r.cheifStencil is None and r.expertStencil is None and r.maternStencil is None
            and (r.stencil is None or STENCIL.fullmatch(r.stencil))):
        return None
    bad = []
    for name in STENCIL_FIELDS:
        value = getattr(r, name)
        if value and not STENCIL.fullmatch(value):
            bad.append({"field": name, "value": value, "fields": (name,)})
    return bad or None


@rule("INDEMNITY_CODE", severity="error", fields=("indemnCode",),
      message="Codul de indemnizație {indemnCode} nu există la data de {on}",
      source=f"{INSTR} art. 11 pct. 6; OUG 158/2005; Nomenclatorul ANAF D112 nr. 9")
def indemnity_code(r: Certificate, ctx: Context) -> Hit:
    """The indemnity code is in the list in force on the issue date (16 from 03.09.2021, 17 from 16.04.2022...)."""
    if r.indemnCode is None or entry("indemnity", r.indemnCode, ctx.on) is not None:
        return None
    return {"on": ctx.on}


@rule("EMERGENCY_CODE", severity="error", fields=("emergency",), needs=("emergency",),
      message="Codul de urgență medico-chirurgicală {emergency} nu este în lista în vigoare la {on} (1-177)",
      source=f"{HG423} anexa cap. I; {INSTR} art. 11 pct. 1")
def emergency_code(r: Certificate, ctx: Context) -> Hit:
    """An emergency code, when written, is in the medico-surgical emergencies list."""
    if not r.emergency or contains("emergency", r.emergency, ctx.on):
        return None
    return {"on": ctx.on}


@rule("GROUP_A_CODE", severity="error", fields=("contagious",), needs=("contagious",),
      message="Codul de boală infectocontagioasă grupa A {contagious} nu este în lista în vigoare la {on} (1-35)",
      source=f"{HG423} anexa cap. II; {INSTR} art. 11 pct. 1")
def group_a_code(r: Certificate, ctx: Context) -> Hit:
    """A group-A code on a code-05 certificate is in the list (the isolation list of 51 is not shipped)."""
    if not r.contagious or r.indemnCode != "05" or contains("group_a", r.contagious, ctx.on):
        return None
    if r.contagious.lstrip("0") == GROUP_A_EXTRA[0] and ctx.on >= GROUP_A_EXTRA[1]:
        return None
    return {"on": ctx.on}


@rule("GROUP_A_CODE_36", severity="warning", fields=("contagious",), valid_from="2023-10-24", codes=("05",),
      message="Codul de grupa A {contagious} este acceptat de D112 de la 24.10.2023, dar nu apare în "
              "HG 423/2020 (lista are 35 de coduri); verificați actul care l-a introdus",
      source=f"{HG423} anexa cap. II; ANAF D112 D_12 (≤36 de la 24.10.2023)")
def group_a_code_36(r: Certificate, ctx: Context) -> Hit:
    """Code 36 is accepted by D112 but its source was not found."""
    return {} if r.contagious and r.contagious.lstrip("0") == GROUP_A_EXTRA[0] else None


def known_diagnosis(code: str, on: date) -> bool:
    """A code of the diagnosis list, or RM (risc maternal, written instead of a diagnosis)."""
    return code == "RM" or contains("diagnosis", code, on)


@rule("DIAGNOSIS_CODE", severity="error", fields=("diagCode", "externDiagCode"),
      message="Codul de diagnostic „{value}” ({field}) nu este în lista de 999 coduri (001-999 sau RM)",
      source=f"{INSTR} art. 11 pct. 17 (CIM-10, lista cu 999 coduri)")
def diagnosis_code(r: Certificate, ctx: Context) -> Hit:
    """Diagnosis codes are in the 999-code list (the imported SIUI list when there is one)."""
    if r.externDiagCode is None and (r.diagCode is None or known_diagnosis(r.diagCode, ctx.on)):
        return None
    bad = [{"field": name, "value": getattr(r, name), "fields": (name,)}
           for name in ("diagCode", "externDiagCode")
           if getattr(r, name) and not known_diagnosis(getattr(r, name), ctx.on)]
    return bad or None


@rule("CAS_CODE", severity="warning", fields=("insuredOrgUnit", "conventionCas"),
      message="Codul casei de asigurări „{value}” ({field}) nu este în nomenclatorul CAS",
      source=f"{INSTR} art. 11 pct. 7, 19; SIUI nomenclator InsuranceHouses (valorile nu sunt publice)")
def cas_code(r: Certificate, ctx: Context) -> Hit:
    """CAS codes are in the CAS list; a warning, since the SIUI values are not public (open question 5)."""
    unit, conv = r.insuredOrgUnit, r.conventionCas
    if (unit is None or contains("cas", unit, ctx.on)) and (conv is None or contains("cas", conv, ctx.on)):
        return None
    bad = [{"field": name, "value": getattr(r, name), "fields": (name,)}
           for name in ("insuredOrgUnit", "conventionCas")
           if getattr(r, name) and not contains("cas", getattr(r, name), ctx.on)]
    return bad or None

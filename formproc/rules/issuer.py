"""Issuer limits: family doctor, ambulatory specialist, hospital discharge, CAS.

The issuer type is the record's `issuerType`, else SPITAL for a hospital certificate (IN/EX),
else the provider's setting (`Policy.issuer_type`); when none is known these rules stay silent.
"""

from __future__ import annotations

from formproc.model import Certificate
from formproc.rules.registry import Context, Hit, rule
from formproc.rules.sources import INSTR, NORME

#: Incapacity codes subject to the family doctor's and specialist's stage limits (art. 20 excepts
#: group-A diseases and isolation; special diseases, maternity and care have their own limits).
STAGE_CODES = ("01", "02", "03", "04")
#: Incapacity codes of the discharge limit (special diseases, isolation and maternity have monthly rules).
DISCHARGE_CODES = ("01", "02", "03", "04", "05")


def issuer_of(r: Certificate, ctx: Context) -> str | None:
    """Who issued the certificate: MF, SPEC, SPITAL, UPU or CAS (None when unknown)."""
    if r.issuerType:
        return r.issuerType
    if r.certType in ("IN", "EX"):
        return "SPITAL"
    return ctx.policy.issuer_type


@rule("MF_FIRST_STAGE", severity="error", fields=("issuerType", "continuation", "days"), codes=STAGE_CODES,
      valid_from="2021-08-01",
      message="Medicul de familie acordă în prima etapă cel mult 4 zile calendaristice; certificatul inițial are "
              "{days} zile",
      source=f"{NORME} art. 10^1 alin. (2), art. 20 alin. (1)")
def mf_first_stage(r: Certificate, ctx: Context) -> Hit:
    """Family doctor, incapacity: the first stage is at most 4 days (not for the emergency recommendation)."""
    if issuer_of(r, ctx) != "MF" or r.continuation is not False or r.isEmergencyRecommendation or r.days is None:
        return None
    return {} if r.days > 4 else None


@rule("MF_EPISODE_DAYS", severity="warning", fields=("issuerType", "days"), codes=STAGE_CODES,
      valid_from="2021-08-01",
      message="Medicul de familie acordă cel mult {limit} zile pentru un episod de boală (în cel puțin două "
              "etape); {what} {value} zile",
      source=f"{NORME} art. 20 alin. (1); D112 D_7 verifică 10 zile pe certificat (întrebare deschisă, Policy)")
def mf_episode_days(r: Certificate, ctx: Context) -> Hit:
    """Family doctor, incapacity: at most 7 days per episode (a policy setting, so a warning)."""
    if issuer_of(r, ctx) != "MF" or r.days is None:
        return None
    limit = ctx.policy.family_doctor_episode_days
    if r.days > limit:
        return {"limit": limit, "what": "certificatul are", "value": r.days}
    return None


@rule("MF_CHILD_CARE_DAYS", severity="error", fields=("issuerType", "indemnCode", "days"), codes=("09",),
      message="Medicul de familie acordă pentru îngrijirea copilului bolnav cel mult 14 zile pentru aceeași "
              "afecțiune; certificatul are {days} zile",
      source=f"{NORME} art. 46 alin. (3)")
def mf_child_care_days(r: Certificate, ctx: Context) -> Hit:
    """Family doctor, child care: at most 14 days for one illness."""
    if issuer_of(r, ctx) != "MF" or r.days is None:
        return None
    return {} if r.days > 14 else None


@rule("SPEC_FIRST_STAGE", severity="error", fields=("issuerType", "continuation", "days"), codes=STAGE_CODES,
      valid_from="2021-08-01",
      message="Medicul specialist din ambulatoriu acordă în prima etapă cel mult 15 zile calendaristice; "
              "certificatul inițial are {days} zile",
      source=f"{NORME} art. 10^1 alin. (2), art. 24 alin. (2)")
def spec_first_stage(r: Certificate, ctx: Context) -> Hit:
    """Ambulatory specialist, incapacity: the first stage is at most 15 days."""
    if issuer_of(r, ctx) != "SPEC" or r.continuation is not False or r.days is None:
        return None
    return {} if r.days > 15 else None


@rule("DISCHARGE_DAYS", severity="error", fields=("externDays", "cheifStencil"), codes=DISCHARGE_CODES,
      needs=("externDays",),
      message="La externare se acordă 1-7 zile, cel mult 21 cu aprobarea medicului șef de secție; "
              "rubrica de externare are {value} zile (parafa șefului de secție: {cheifStencil})",
      source=f"{NORME} art. 25 alin. (3); {INSTR} art. 11 pct. 13, 21")
def discharge_days(r: Certificate, ctx: Context) -> Hit:
    """Leave at discharge for incapacity: 1-7 days, up to 21 with the head of ward."""
    value = r.externDays
    if value is None:
        return None
    limit = 21 if r.cheifStencil else 7
    return {"value": value} if value > limit or value < 1 else None


@rule("CAS_ISSUER_FIELD", severity="error", fields=("issuerType", "casIssuer"),
      message="Certificatul eliberat de casa de asigurări nu are completată rubrica „CAS emitentă”",
      source=f"{INSTR} art. 11 pct. 24")
def cas_issuer_field(r: Certificate, ctx: Context) -> Hit:
    """A certificate issued by the CAS names the issuing CAS."""
    return {} if r.issuerType == "CAS" and not r.casIssuer else None

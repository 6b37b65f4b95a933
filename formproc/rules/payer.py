"""Rules on the payer's part (Instrucțiuni 2020 art. 12): percent, base, daily average, days, amounts, split.

Errors only where the law is certain; the rounding of the daily average (truncated in the Norms'
examples, rounded in D112) and of the indemnity (whole lei in the Norms' examples) is tolerated:
an amount may differ from its formula by at most 1 leu, a daily average by less than 1 ban.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from formproc.catalogs import catalog, indemnity_percent
from formproc.errors import InputError
from formproc.model import Certificate
from formproc.payer.wages import minimum_wage_for_month
from formproc.rules.registry import Context, Hit, rule
from formproc.rules.sources import D112, INSTR, L346, NORME, OUG

ACCIDENT = frozenset({"02", "03", "04", "11"})
PREVENTION = frozenset({"07", "10", "11"})
OTHER_INSURED = frozenset({"B", "somer", "art1_2"})
BANDS_FROM = date(2025, 8, 1)
TOLERANCE = Decimal("1.00")
CENT = Decimal("0.01")


def _episode_on(ctx: Context) -> date:
    return ctx.episode_on or ctx.on


def _fund(r: Certificate, on: date) -> str | None:
    """Who pays after the employer: employer5, accident3, fnuass or faambp (catalog + insured type)."""
    entry = catalog("indemnity").get(r.indemnCode, on)
    if entry is None:
        return None
    kind = str(entry.attrs.get("payer", ""))
    return "fnuass" if kind == "employer5" and r.insuredType in OTHER_INSURED else kind


def _band(days: int) -> int:
    return 55 if days <= 7 else 65 if days <= 14 else 75


@rule("PAYER_PERCENT", severity="error", fields=("paymentPercent", "indemnCode"),
      message="Procentul de plată {paymentPercent}% nu este permis pentru codul {indemnCode}: {expected}",
      source=f"{OUG} art. 17, 19, 20, 25, 30, 31; {L346} art. 33; {NORME} art. 30^1; {INSTR} art. 12 pct. 7")
def payer_percent(r: Certificate, ctx: Context) -> Hit:
    """The ticked percent is one the law gives the indemnity code (code 01: not below the episode's band)."""
    code, pct = r.indemnCode, r.paymentPercent
    if not code or pct is None:
        return None
    on = _episode_on(ctx)
    if code in PREVENTION - {"07"}:
        return {"expected": "se bifează doar „Prevenire”, fără procent"}
    if code in ACCIDENT:
        return None if pct in (80, 100) else {"expected": "80% sau 100% (urgențe, arsuri)"}
    if code == "01" and on >= BANDS_FROM:
        if pct not in (55, 65, 75):
            return {"expected": "55%, 65% sau 75% după durata episodului"}
        if ctx.episode_days and pct < _band(ctx.episode_days) and not (ctx.episode_days == 15 and pct == 65):
            return {"expected": f"cel puțin {_band(ctx.episode_days)}% pentru un episod de {ctx.episode_days} zile"}
        return None
    expected = indemnity_percent(code, on)
    if expected is None or pct == expected:
        return None
    return {"expected": f"{expected}%"}


@rule("PAYER_PERCENT_BAND", severity="warning", fields=("paymentPercent", "indemnCode", "days"), codes=("01",),
      valid_from=BANDS_FROM, basis="episode",
      message="Procentul {paymentPercent}% depășește treapta episodului cunoscut ({episode} zile: {expected}%); "
              "verificați certificatele în continuare",
      source=f"{OUG} art. 17 alin. (1); {NORME} art. 30^1")
def payer_percent_band(r: Certificate, ctx: Context) -> Hit:
    """Code 01: a percent above the band of the episode's known days (or the policy's 15-day answer)."""
    total = ctx.episode_total
    if r.paymentPercent not in (55, 65, 75) or not total:
        return None
    expected = ctx.policy.code01_day15_percent if total == 15 else _band(total)
    if r.paymentPercent > expected or (total == 15 and r.paymentPercent != expected
                                        and r.paymentPercent != 65):
        return {"episode": total, "expected": expected}
    return None


@rule("PAYER_PREVENTION", severity="error", fields=("prevention", "indemnCode"),
      message="Rubrica „Prevenire” {state} pentru codul {indemnCode}",
      source=f"{INSTR} art. 12 pct. 7 b), c)")
def payer_prevention(r: Certificate, ctx: Context) -> Hit:
    """Prevenire is ticked exactly for quarantine (07), reduced time (10) and another job (11)."""
    if r.prevention is None or not r.indemnCode:
        return None
    if r.prevention and r.indemnCode not in PREVENTION:
        return {"state": "nu se bifează"}
    if not r.prevention and r.indemnCode in PREVENTION:
        return {"state": "trebuie bifată"}
    return None


@rule("PAYER_DAILY_AVERAGE", severity="error", fields=("dailyAverage", "baseAmount", "baseDays"),
      message="Media zilnică {dailyAverage} nu este baza de calcul {baseAmount} : {baseDays} zile = {expected}",
      source=f"{INSTR} art. 12 pct. 10; {NORME} art. 62 alin. (1); {D112} D_19")
def payer_daily_average(r: Certificate, ctx: Context) -> Hit:
    """Daily average = base : base days, to 2 decimals (rounded or truncated)."""
    if r.dailyAverage is None or r.baseAmount is None or r.baseDays is None:
        return None
    if r.baseDays == 0:
        return None if r.dailyAverage == 0 else {"expected": "(zile 0)"}
    exact = r.baseAmount / r.baseDays
    if abs(r.dailyAverage - exact) < CENT:
        return None
    return {"expected": f"{exact:.4f}"}


@rule("PAYER_BASE_CAP", severity="error", fields=("baseAmount", "insuredType"),
      message="Baza de calcul {baseAmount} depășește plafonul de {multiple} salarii minime pe lună "
              "pentru cele 6 luni dinaintea lunii {month} ({cap})",
      source=f"{OUG} art. 10 alin. (1)-(3); {NORME} art. 61; {D112} D_17")
def payer_base_cap(r: Certificate, ctx: Context) -> Hit:
    """The base is at most 12 (3 for insurance contracts) minimum gross wages per month of the 6 months."""
    start = ctx.episode_start or r.validFrom
    if r.baseAmount is None or start is None or not r.indemnCode or r.indemnCode in ACCIDENT:
        return None
    multiple = 3 if r.insuredType == "art1_2" else 12
    idx = start.year * 12 + start.month - 1
    months = [divmod(i, 12) for i in range(idx - 6, idx)]
    try:
        cap = sum(minimum_wage_for_month(y, m + 1).amount for y, m in months) * multiple
    except InputError:  # no wage known so early: nothing certain to say
        return None
    if r.baseAmount <= cap:
        return None
    return {"multiple": multiple, "month": f"{start:%m.%Y}", "cap": Decimal(cap).quantize(CENT)}


@rule("PAYER_BASE_DAYS", severity="warning", fields=("baseDays",),
      message="Zile bază de calcul {baseDays}: D112 acceptă cel mult 132 (6 luni x 22 zile lucrătoare)",
      source=f"{NORME} art. 62 alin. (1); {D112} D_18")
def payer_base_days(r: Certificate, ctx: Context) -> Hit:
    """Base days are days worked in 6 months, at most their working days."""
    return {} if r.baseDays is not None and r.baseDays > 132 else None


@rule("PAYER_WORKING_DAYS", severity="error", fields=("employerDays", "fnuassDays", "faambpDays", "days"),
      message="Zilele plătite ({paid}) depășesc {limit}",
      source=f"{OUG} art. 12; {L346} art. 34; {NORME} art. 31; {INSTR} art. 12 pct. 12; {D112} D_14")
def payer_working_days(r: Certificate, ctx: Context) -> Hit:
    """Paid days fit in the leave; the employer pays at most 5 days (3 for work accidents)."""
    emp, fn, fa = r.employerDays or 0, r.fnuassDays or 0, r.faambpDays or 0
    if r.employerDays is None and r.fnuassDays is None and r.faambpDays is None:
        return None
    hits = []
    if r.days is not None and emp + fn + fa > r.days:
        hits.append({"paid": emp + fn + fa, "limit": f"zilele calendaristice ale certificatului ({r.days})"})
    limit = 3 if r.indemnCode in ACCIDENT else 5
    if emp > limit:
        hits.append({"paid": f"angajator {emp}", "limit": f"{limit} zile suportate de angajator"})
    return hits or None


@rule("PAYER_SPLIT", severity="error", fields=("employerDays", "fnuassDays", "faambpDays", "indemnityAmount",
                                               "employerAmount", "fnuassAmount", "faambpAmount"),
      message="Repartizarea indemnizației pe plătitori: {problem}",
      source=f"{OUG} art. 12, 22, 25, 26, 30^3, 31; {L346} art. 34, 41; {INSTR} art. 12 pct. 12")
def payer_split(r: Certificate, ctx: Context) -> Hit:
    """Who pays follows the code and the insured type, and the parts add up to the indemnity."""
    if not r.indemnCode:
        return None
    hits = []
    fund = _fund(r, _episode_on(ctx))
    if fund in ("fnuass", "faambp") and (r.employerDays or r.employerAmount):
        hits.append({"problem": f"codul {r.indemnCode} nu are zile suportate de angajator"})
    if fund in ("employer5", "fnuass") and (r.faambpDays or r.faambpAmount):
        hits.append({"problem": f"codul {r.indemnCode} nu se plătește din fondul de accidente de muncă (FAAMBP)"})
    if fund in ("accident3", "faambp") and (r.fnuassDays or r.fnuassAmount):
        hits.append({"problem": f"codul {r.indemnCode} nu se plătește din FNUASS"})
    parts = (r.employerAmount, r.fnuassAmount, r.faambpAmount)
    if r.indemnityAmount is not None and any(p is not None for p in parts):
        total = sum((p or Decimal(0) for p in parts), Decimal(0))
        if abs(total - r.indemnityAmount) >= CENT:
            hits.append({"problem": f"angajator + FNUASS + FAAMBP = {total:.2f}, cuantumul este "
                                    f"{r.indemnityAmount:.2f}"})
    return hits or None


@rule("PAYER_AMOUNT", severity="error", fields=("indemnityAmount", "dailyAverage", "paymentPercent",
                                                "employerDays", "fnuassDays", "faambpDays"),
      message="{what} {actual} nu este media zilnică x procent x zile = {expected} (abatere peste 1 leu)",
      source=f"{INSTR} art. 12 pct. 11; {NORME} art. 62 alin. (2), art. 78^4 alin. (4)")
def payer_amount(r: Certificate, ctx: Context) -> Hit:
    """Indemnity = daily average x percent x paid working days, and so each payer's part."""
    if r.dailyAverage is None or r.paymentPercent is None:
        return None
    rate = r.dailyAverage * r.paymentPercent / 100
    days = {"employer": r.employerDays, "fnuass": r.fnuassDays, "faambp": r.faambpDays}
    amounts = {"employer": r.employerAmount, "fnuass": r.fnuassAmount, "faambp": r.faambpAmount}
    hits = []
    if r.indemnityAmount is not None and any(d is not None for d in days.values()):
        expected = rate * sum(d or 0 for d in days.values())
        if abs(r.indemnityAmount - expected) > TOLERANCE:
            hits.append({"what": "Cuantumul", "actual": r.indemnityAmount, "expected": expected.quantize(CENT)})
    labels = {"employer": "Suma suportată de angajator", "fnuass": "Suma suportată din FNUASS",
              "faambp": "Suma suportată din FAAMBP"}
    for key, label in labels.items():
        if days[key] is not None and amounts[key] is not None:
            expected = rate * days[key]
            if abs(amounts[key] - expected) > TOLERANCE:
                hits.append({"what": label, "actual": amounts[key], "expected": expected.quantize(CENT)})
    return hits or None

"""docs/rules.md, generated from the registry and the policy (`formproc rules --markdown`)."""

from __future__ import annotations

from formproc.rules.policy import Policy
from formproc.rules.registry import Rule, rules

FAMILIES = {"formats": "Formate și nomenclatoare", "dates": "Date și consecvență în certificat",
            "codes": "Reguli pe cod de indemnizație", "issuer": "Limitele emitentului",
            "payer": "Partea plătitorului", "cross": "Reguli între certificate"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _period(r: Rule) -> str:
    start = r.valid_from.isoformat() if r.valid_from else "—"
    end = r.valid_to.isoformat() if r.valid_to else "—"
    return f"{start} … {end}"


def rules_markdown() -> str:
    """The rule catalogue as Markdown: one table per family, then the policy settings."""
    lines = ["# Reguli de validare", "",
             "Generat de `formproc rules --markdown > docs/rules.md` din registrul `formproc/rules/`; "
             "nu editați manual (un test verifică actualitatea).", "",
             "Regulile se aplică după legea în vigoare la data acordării certificatului (regulile de episod: "
             "la data certificatului inițial). `error` = legea este sigură; `warning` = ambiguitate sau "
             "alegere din Policy. Foile anulate primesc doar regulile marcate „anulate: da”.", ""]
    order = list(FAMILIES) + sorted({r.family for r in rules()} - set(FAMILIES))
    for family in order:
        group = [r for r in rules() if r.family == family]
        if not group:
            continue
        lines += [f"## {FAMILIES.get(family, family)} (`{family}`)", "",
                  "| id | severitate | câmpuri | coduri | anulate | perioadă | sursă | mesaj |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in group:
            codes = ", ".join(sorted(r.codes)) if r.codes else "toate"
            lines.append(f"| `{r.id}` | {r.severity} | {', '.join(r.fields)} | {codes} | "
                         f"{'da' if r.annulled else 'nu'} | {_period(r)} | {_cell(r.source)} | {_cell(r.message)} |")
        lines.append("")
    lines += ["## Policy (întrebări deschise)", "", "| setare | implicit | motiv |", "|---|---|---|"]
    for p in Policy.documented():
        lines.append(f"| `{p['name']}` | `{p['default']}` | {_cell(p['doc'])} |")
    return "\n".join(lines) + "\n"

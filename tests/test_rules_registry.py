"""The registry as data: metadata of every rule, dates, annulled sheets, policy, generated docs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from test_rules_table import TODAY, make

from formproc.model import FIELD_NAMES
from formproc.rules import REGISTRY, Finding, Policy, rule, rules, validate_record, validate_records
from formproc.rules.markdown import rules_markdown

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("r", rules(), ids=lambda r: r.id)
def test_rule_metadata(r) -> None:
    assert re.fullmatch(r"[A-Z][A-Z0-9_]+", r.id)
    assert r.severity in ("error", "warning")
    assert r.fields and set(r.fields) <= set(FIELD_NAMES), r.fields
    assert re.search(r"art\.|D112|XSD|nomenclator", r.source), r.source
    assert r.message and r.description
    assert r.valid_from is None or r.valid_to is None or r.valid_from <= r.valid_to


def test_docs_rules_md_is_current() -> None:
    """docs/rules.md is generated: run `formproc rules --markdown > docs/rules.md` after changing a rule."""
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == rules_markdown()


def test_docs_list_every_rule_and_policy_setting() -> None:
    text = rules_markdown()
    assert all(f"`{r.id}`" in text for r in rules())
    assert all(f"`{p['name']}`" in text for p in Policy.documented())


def test_finding_to_dict_is_the_cli_shape() -> None:
    f = Finding("DAYS_COUNT", "error", ("days", "validFrom"), "mesaj", "sursa")
    assert f.to_dict() == {"rule": "DAYS_COUNT", "severity": "error", "fields": ["days", "validFrom"],
                           "message": "mesaj", "source": "sursa"}


def test_duplicate_rule_id_is_refused() -> None:
    with pytest.raises(ValueError):
        rule("DAYS_COUNT", severity="error", fields=("days",), message="x", source="art. 1")(lambda r, c: None)


def test_annulled_sheet_gets_only_sheet_rules() -> None:
    """Instrucțiuni 2020 art. 4: an annulled sheet stays in the booklet; only its series/number matter."""
    sheet = make(status="annulled", pid="123", days=99, stencil=None, diagCode=None)
    assert validate_record(sheet, today=TODAY) == []
    bad = make(status="annulled", serialNo="X1")
    assert [f.rule for f in validate_record(bad, today=TODAY)] == ["SERIAL_FORMAT"]


def test_annulled_sheet_takes_part_in_serial_uniqueness_only() -> None:
    issued, annulled = make(), make(status="annulled", pid=None)
    found = validate_records([issued, annulled], today=TODAY)
    assert [f.rule for f in found[1]] == ["SERIAL_UNIQUE"]
    overlapping = make(status="annulled", serialNo="4512399")
    assert validate_records([issued, overlapping], today=TODAY) == [[], []]


def test_rules_apply_as_on_the_issue_date() -> None:
    """Legea 179/2023: code 09 up to 12 years from 26.06.2023, 7 before (a disabled child: 18)."""
    from formproc.identity import make_cnp

    child = make_cnp(date(2015, 1, 1))
    before = make(indemnCode="09", childPid=child, validFrom="2023-06-20", validTo="2023-06-21", days=2,
                  issueDate="2023-06-20", month=6, year=2023)
    after = before.model_copy(update={"validFrom": date(2023, 6, 27), "validTo": date(2023, 6, 28),
                                      "issueDate": date(2023, 6, 27)})
    assert "CHILD_AGE_DISABLED" in {f.rule for f in validate_record(before, today=TODAY)}
    assert "CHILD_AGE_DISABLED" not in {f.rule for f in validate_record(after, today=TODAY)}


def test_policy_changes_a_warning_threshold() -> None:
    cert = make(continuation=True, prevSerialCode="CCMAT", prevSerialNo="1", validTo="2026-10-14", days=10)
    assert "MF_EPISODE_DAYS" in {f.rule for f in validate_record(cert, today=TODAY)}
    relaxed = Policy(family_doctor_episode_days=10)
    assert "MF_EPISODE_DAYS" not in {f.rule for f in validate_record(cert, today=TODAY, policy=relaxed)}


def test_issuer_from_policy_when_the_record_has_none() -> None:
    cert = make(issuerType=None, validTo="2026-10-09", days=5)
    assert "MF_FIRST_STAGE" not in {f.rule for f in validate_record(cert, today=TODAY)}
    assert "MF_FIRST_STAGE" in {f.rule for f in validate_record(cert, today=TODAY, policy=Policy(issuer_type="MF"))}


def test_open_questions_are_warnings() -> None:
    for rule_id in ("MF_EPISODE_DAYS", "MF_EPISODE_TOTAL", "GROUP_A_CODE_36", "CAS_CODE", "EPISODE_PERCENT_BAND"):
        assert REGISTRY[rule_id].severity == "warning"


def test_valid_sample_records_have_no_errors() -> None:
    from formproc.model import read_records

    records = read_records(str(ROOT / "samples" / "records.json"))
    found = validate_records(records, today=TODAY)
    assert not [f for fs in found for f in fs if f.severity == "error"], found


def test_cross_finding_is_on_every_certificate_it_concerns() -> None:
    a = make()
    b = make(serialNo="4512302", validFrom="2026-10-07", validTo="2026-10-09", days=3, issueDate="2026-10-07")
    found = validate_records([a, b], today=TODAY)
    assert all("OVERLAP" in {f.rule for f in fs} for fs in found)


def test_history_is_used_but_not_reported() -> None:
    first = make()
    cont = make(serialNo="4512302", continuation=True, prevSerialCode="CCMAT", prevSerialNo="4512301",
                validFrom="2026-10-10", validTo="2026-10-12", days=3, issueDate="2026-10-08")
    found = validate_records([cont], history=[first], today=TODAY)
    assert len(found) == 1 and "CONTINUATION_NO_GAP" in {f.rule for f in found[0]}
    # the same record given as input and as history is not a second use of its series/number
    assert "SERIAL_UNIQUE" not in {f.rule for fs in validate_records([first], [first], today=TODAY) for f in fs}


def test_imported_catalog_replaces_cached_answers() -> None:
    """Instrucțiuni 2020 art. 11 pct. 17: once the SIUI 999-code list is imported, it decides the diagnosis."""
    from formproc.catalogs import Entry, save_imported

    cert = make(diagCode="463")
    assert "DIAGNOSIS_CODE" not in {f.rule for f in validate_record(cert, today=TODAY)}
    save_imported("diagnosis", [Entry("001", "Holera", date(2000, 1, 1), None)])
    assert "DIAGNOSIS_CODE" in {f.rule for f in validate_record(cert, today=TODAY)}
    assert "DIAGNOSIS_CODE" not in {f.rule for f in validate_record(make(diagCode="001"), today=TODAY)}
    risc = make(indemnCode="15", diagCode="RM", maternStencil="M1234")
    assert "DIAGNOSIS_CODE" not in {f.rule for f in validate_record(risc, today=TODAY)}

"""CAS feedback import (VALIDAT / CU ERORI / FĂRĂ RAPORTARE) and the reporting deadline."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import official_schema, report_certificate
from lxml import etree

from formproc import catalogs
from formproc.catalogs import Entry
from formproc.cli import main
from formproc.errors import InputError
from formproc.report import deadline
from formproc.report.feedback import CU_ERORI, FARA_RAPORTARE, VALIDAT, parse_feedback, summary

FEEDBACK = """<?xml version="1.0" encoding="UTF-8"?>
<report xmlns="http://www.cnas.ro/siui/2.0" AppID="a1b2c3" reportMonth="3" reportYear="2025">
  <certificate AppID="c1" serialCode="CCMAT" serialNo="1000000" state="true"/>
  <certificate AppID="c2" serialCode="CCMAT" serialNo="1000001" state="false">
    <errors>
      <error code="CM102"/>
      <error code="CM999">verificați data acordării</error>
    </errors>
  </certificate>
</report>
""".encode()


def test_fixture_is_a_valid_official_feedback():
    root = etree.fromstring(FEEDBACK, etree.XMLParser(resolve_entities=False, no_network=True))
    assert official_schema("FeedbackSickLeaveReport.xsd").validate(root)


def test_summary_with_catalog_texts_and_missing_certificates():
    catalogs.save_imported("error", [Entry("CM102", "CNP-ul nu există în SIUI", date(2020, 1, 1)),
                                     Entry("CM999", "Data acordării este greșită", date(2020, 1, 1))])
    records = [report_certificate(0), report_certificate(1), report_certificate(2),
               report_certificate(3, status="annulled"),
               report_certificate(4, month=2, issueDate=date(2025, 2, 3), validFrom=date(2025, 2, 3),
                                  validTo=date(2025, 2, 6))]
    entries = summary(parse_feedback(FEEDBACK), records)
    assert entries == [
        {"serialCode": "CCMAT", "serialNo": "1000000", "status": VALIDAT, "errors": []},
        {"serialCode": "CCMAT", "serialNo": "1000001", "status": CU_ERORI, "errors": [
            {"code": "CM102", "text": "CNP-ul nu există în SIUI"},
            {"code": "CM999", "text": "Data acordării este greșită — verificați data acordării"}]},
        {"serialCode": "CCMAT", "serialNo": "1000002", "status": FARA_RAPORTARE, "errors": []},
    ]


def test_without_catalog_the_cas_text_or_nothing():
    entries = summary(parse_feedback(FEEDBACK))
    assert entries[1]["errors"] == [{"code": "CM102", "text": ""},
                                    {"code": "CM999", "text": "verificați data acordării"}]
    assert len(entries) == 2


def test_bad_feedback_files_are_input_errors():
    with pytest.raises(InputError, match="state"):
        parse_feedback(FEEDBACK.replace(b'state="true"', b'state="maybe"'))
    with pytest.raises(InputError, match="not a SIUI"):
        parse_feedback(b"<report/>")
    with pytest.raises(InputError, match="DOCTYPE|entity|well-formed"):
        parse_feedback(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>')


def test_feedback_command(tmp_path, capsys):
    path = tmp_path / "fb.xml"
    path.write_bytes(FEEDBACK)
    records = tmp_path / "records.json"
    records.write_text(json.dumps([report_certificate(n).to_json_dict() for n in range(3)]), encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        main(["feedback", str(path), "--records", str(records)])
    assert done.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert [e["status"] for e in out] == [VALIDAT, CU_ERORI, FARA_RAPORTARE]
    ok = tmp_path / "ok.xml"
    ok.write_bytes(FEEDBACK.split(b"<certificate AppID=\"c2\"")[0] + b"</report>\n")
    with pytest.raises(SystemExit) as fine:
        main(["feedback", str(ok)])
    assert fine.value.code in (0, None)
    with pytest.raises(SystemExit) as bad:
        main(["feedback", str(tmp_path / "missing.xml")])
    assert bad.value.code == 2


def test_due_date_default_and_per_cas(formproc_home):
    assert deadline.due_date(2025, 3) == date(2025, 4, 12)
    assert deadline.due_date(2025, 12, "CAS-IS") == date(2026, 1, 12)
    assert deadline.due_date(2025, 1, "CAS-B", {"CAS-B": 31}) == date(2025, 2, 28)
    formproc_home.mkdir(parents=True, exist_ok=True)
    (formproc_home / deadline.SETTINGS_FILE).write_text('{"CAS-CJ": 10}', encoding="utf-8")
    assert deadline.due_date(2025, 3, "cas-cj") == date(2025, 4, 10)
    assert deadline.due_date(2025, 3, "CAS-IS") == date(2025, 4, 12)
    (formproc_home / deadline.SETTINGS_FILE).write_text('{"CAS-CJ": 40}', encoding="utf-8")
    with pytest.raises(InputError):
        deadline.due_date(2025, 3, "CAS-CJ")


def test_month_status():
    MR = deadline.MonthReport
    assert deadline.month_status([]) == "not_started"
    assert deadline.month_status([MR(False, False)]) == "ready"
    assert deadline.month_status([MR(False, True)]) == "sent"
    assert deadline.month_status([MR(False, True, (VALIDAT, VALIDAT))]) == "validated"
    errors = MR(False, True, (VALIDAT, CU_ERORI))
    assert deadline.month_status([errors]) == "with_errors"
    assert deadline.month_status([errors, MR(True, True)]) == "rectified"
    assert deadline.month_status([errors, MR(True, True, (VALIDAT,))]) == "validated"
    info = deadline.month_info(2025, 3, [], date(2025, 4, 13), due_days={})
    assert info["overdue"] and info["label"] == "neînceput" and info["due"] == "2025-04-12"
    assert not deadline.month_info(2025, 3, [MR(False, True)], date(2025, 4, 13), due_days={})["overdue"]

"""The canonical record: JSON / JSON Lines in and out, clear errors, and the JSON Schema."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from formproc.errors import InputError
from formproc.model import FIELD_NAMES, Certificate, dumps_records, field_item, field_label, loads_records

ROOT = Path(__file__).resolve().parent.parent
RECORD_FIELDS_DOC = ROOT.parent / "shared" / "docs" / "record-fields.md"


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "formproc.cli", *args], capture_output=True, text=True,
                          input=stdin, cwd=ROOT)


def test_every_documented_field_is_in_the_model():
    import re

    documented = set(re.findall(r"`([a-zA-Z]+)`", RECORD_FIELDS_DOC.read_text(encoding="utf-8")))
    documented -= {"true", "false", "null", "issued", "annulled", "accepted", "refused", "AM", "IN", "EX",
                   "RM", "CCMAT", "A", "B", "somer", "legea346", "internValidFrom", "serial", "dupl",
                   "expert", "extern", "internDiagCode", "internDiagType", "internValidTo"}
    documented = {d for d in documented if not d[0].isupper() or d in FIELD_NAMES}
    missing = sorted(d for d in documented if d not in FIELD_NAMES)
    assert missing == []


def test_labels_and_items_come_from_the_form():
    assert field_label("pid") == "Cod numeric personal"
    assert field_item("pid") == "9"
    assert field_label("issueDate") == "Data acordării"
    assert field_item("validFrom") == "16"


def test_json_array_object_and_lines_round_trip():
    recs = loads_records((ROOT / "samples" / "records.json").read_text(encoding="utf-8"))
    assert len(recs) == 4
    lines = dumps_records(recs, lines=True)
    assert loads_records(lines) == recs
    assert loads_records(dumps_records(recs)) == recs
    assert loads_records(json.dumps(recs[0].to_json_dict())) == recs[:1]
    assert recs[0].to_json_dict()["issueDate"] == "2026-10-05"


@pytest.mark.parametrize("text, message", [
    ('{"pidd": "1"}', "unknown field 'pidd'"),
    ('{"days": "three"}', "field 'days'"),
    ('{"issueDate": "2026-02-30"}', "field 'issueDate'"),
    ('{"certType": "XX"}', "field 'certType'"),
    ('[1]', "expected a JSON object"),
    ('{"a": 1}\n{"b"', "line 2: invalid JSON"),
    ("", "empty input"),
])
def test_bad_records_name_the_field(text, message):
    with pytest.raises(InputError, match=message):
        loads_records(text)


def test_schema_command_accepts_samples_and_rejects_a_wrong_type():
    out = run_cli("schema")
    assert out.returncode == 0, out.stderr
    schema = json.loads(out.stdout)
    validator = jsonschema.Draft202012Validator(schema)
    for rec in json.loads((ROOT / "samples" / "records.json").read_text(encoding="utf-8")):
        validator.validate(rec)
    bad = dict(json.loads((ROOT / "samples" / "records.json").read_text(encoding="utf-8"))[0], days="patru")
    assert not validator.is_valid(bad)
    assert not validator.is_valid({"unknownField": 1})


def test_model_refuses_oversized_strings():
    with pytest.raises(InputError, match="observations"):
        loads_records(json.dumps({"observations": "x" * 10_000_000}))


def test_assignment_is_validated():
    cert = Certificate(days=3)
    with pytest.raises(Exception):
        cert.days = "x"  # type: ignore[assignment]

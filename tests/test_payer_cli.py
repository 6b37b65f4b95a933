"""`formproc payer CERT.json --incomes INCOMES.json [--schedule FILE] [--history FILE]`."""

from __future__ import annotations

import json

import pytest

from formproc.cli import main
from formproc.model import Certificate
from formproc.payer import PAYER_FIELDS


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


CERT = {"serialCode": "CCMAT", "serialNo": "2", "indemnCode": "01", "continuation": True, "prevSerialCode": "CCMAT",
        "prevSerialNo": "1", "issueDate": "2025-11-01", "validFrom": "2025-11-01", "validTo": "2025-11-14", "days": 14}
PREV = {"serialCode": "CCMAT", "serialNo": "1", "indemnCode": "01", "continuation": False, "issueDate": "2025-10-28",
        "validFrom": "2025-10-28", "validTo": "2025-10-31", "days": 4}
INCOMES = [{"month": f"2025-{m:02d}", "income": 6000.00, "daysWorked": 20} for m in range(4, 10)]


def test_payer_prints_the_canonical_fields_and_explanation(tmp_path, capsys):
    code, out, _ = run(capsys, "payer", write(tmp_path, "c.json", CERT), "--incomes", write(tmp_path, "i.json", INCOMES),
                       "--history", write(tmp_path, "h.json", [PREV]))
    assert code in (0, None)
    data = json.loads(out)
    assert set(PAYER_FIELDS) <= set(data)
    assert data["paymentPercent"] == 75 and data["employerDays"] == 0
    assert Certificate.model_validate({k: data[k] for k in PAYER_FIELDS}).indemnityAmount > 0
    assert data["explanation"] and all({"step", "text", "source"} <= set(s) for s in data["explanation"])
    assert data["differences"][0]["month"] == "2025-10"


def test_payer_with_schedule(tmp_path, capsys):
    first = dict(PREV, validTo="2025-10-31")
    code, out, _ = run(capsys, "payer", write(tmp_path, "c.json", first), "--incomes", write(tmp_path, "i.json", INCOMES),
                       "--schedule", write(tmp_path, "s.json", {"weekdays": ["Tue", "Wed"]}))
    assert code in (0, None)
    assert json.loads(out)["employerDays"] == 2  # 28 and 29 October 2025 are a Tuesday and a Wednesday


@pytest.mark.parametrize("files, message", [
    ({"c.json": CERT, "i.json": INCOMES}, "--history"),
    ({"c.json": PREV, "i.json": {"month": "2025-09"}}, "list of months"),
    ({"c.json": [PREV, PREV], "i.json": INCOMES}, "expected one certificate"),
    ({"c.json": PREV, "i.json": [{"month": "2025-9", "income": 1, "daysWorked": 1}]}, "YYYY-MM"),
])
def test_payer_bad_input_exits_2_with_one_line(tmp_path, capsys, files, message):
    paths = {name: write(tmp_path, name, data) for name, data in files.items()}
    code, out, err = run(capsys, "payer", paths["c.json"], "--incomes", paths["i.json"])
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_payer_incomes_not_json(tmp_path, capsys):
    bad = tmp_path / "i.json"
    bad.write_text("{", encoding="utf-8")
    code, _, err = run(capsys, "payer", write(tmp_path, "c.json", PREV), "--incomes", str(bad))
    assert code == 2 and "not valid JSON" in err

"""`formproc validate` and `formproc rules`: output shape, exit codes 0/1/2, history, --today."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from test_rules_table import BASE, PID, PID2

from formproc.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, capsys) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, data) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_valid_records_exit_0(tmp_path, capsys) -> None:
    code, out, _ = run("validate", str(ROOT / "samples" / "records.json"), "--today", "2026-11-01", capsys=capsys)
    result = json.loads(out)
    assert code == 0
    assert [r["index"] for r in result] == [0, 1, 2, 3]
    assert result[0]["serialCode"] == "CCMAT" and result[0]["serialNo"] == "4512301"
    assert all(not any(f["severity"] == "error" for f in r["findings"]) for r in result)


def test_error_exit_1_with_findings_in_input_order(tmp_path, capsys) -> None:
    bad = {**BASE, "serialNo": "2", "pid": PID2, "days": 5}
    path = write(tmp_path, "r.json", [BASE, bad])
    code, out, _ = run("validate", path, "--today", "2026-11-01", capsys=capsys)
    result = json.loads(out)
    assert code == 1
    assert result[0]["findings"] == [] or all(f["severity"] == "warning" for f in result[0]["findings"])
    finding = next(f for f in result[1]["findings"] if f["rule"] == "DAYS_COUNT")
    assert set(finding) == {"rule", "severity", "fields", "message", "source"}
    assert finding["fields"] == ["days", "validFrom", "validTo"] and "5" in finding["message"]


def test_json_lines_and_single_object(tmp_path, capsys) -> None:
    lines = write(tmp_path, "r.jsonl", json.dumps(BASE) + "\n" + json.dumps({**BASE, "serialNo": "9", "pid": PID2}) + "\n")
    code, out, _ = run("validate", lines, "--today", "2026-11-01", capsys=capsys)
    assert code == 0 and len(json.loads(out)) == 2
    one = write(tmp_path, "one.json", BASE)
    code, out, _ = run("validate", one, "--today", "2026-11-01", capsys=capsys)
    assert code == 0 and len(json.loads(out)) == 1


def test_history_option(tmp_path, capsys) -> None:
    first = {**BASE}
    cont = {**BASE, "serialNo": "4512302", "continuation": True, "prevSerialCode": "CCMAT", "prevSerialNo": "4512301",
            "validFrom": "2026-10-09", "validTo": "2026-10-11", "days": 3, "issueDate": "2026-10-08", "diagCode": "464"}
    code, out, _ = run("validate", write(tmp_path, "r.json", [cont]), "--history",
                       write(tmp_path, "h.json", [first]), "--today", "2026-11-01", capsys=capsys)
    assert code == 1
    assert [r["index"] for r in json.loads(out)] == [0]
    assert "CONTINUATION_SAME_DIAGNOSIS" in {f["rule"] for f in json.loads(out)[0]["findings"]}


def test_today_option_decides_future_issue_dates(tmp_path, capsys) -> None:
    path = write(tmp_path, "r.json", [BASE])
    code, out, _ = run("validate", path, "--today", "2026-10-01", capsys=capsys)
    assert code == 1 and "ISSUE_IN_FUTURE" in {f["rule"] for f in json.loads(out)[0]["findings"]}


def test_unusable_input_exit_2(tmp_path, capsys) -> None:
    for args in (["validate", str(tmp_path / "missing.json")],
                 ["validate", write(tmp_path, "bad.json", "{not json")],
                 ["validate", write(tmp_path, "field.json", [{**BASE, "days": "many"}])],
                 ["validate", write(tmp_path, "ok.json", [BASE]), "--today", "01.11.2026"]):
        code, out, err = run(*args, capsys=capsys)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_rules_command_lists_the_registry(capsys) -> None:
    code, out, _ = run("rules", capsys=capsys)
    listed = json.loads(out)
    assert code == 0 and {"DAYS_COUNT", "CNP_CHECKSUM", "OVERLAP"} <= {r["id"] for r in listed}
    code, out, _ = run("rules", "--markdown", capsys=capsys)
    assert out == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_console_script_from_stdin() -> None:
    proc = subprocess.run([sys.executable, "-m", "formproc.cli", "validate", "-", "--today", "2026-11-01"],
                          input=json.dumps([{**BASE, "pid": PID[:12] + "0" if PID[12] != "0" else PID[:12] + "1"}]),
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)[0]["findings"][0]["rule"] == "CNP_CHECKSUM"

"""`formproc report`: exit 0 written, 1 blocked (findings as JSON), 2 unusable input."""

from __future__ import annotations

import json

import pytest
from conftest import REPORT_PROVIDER, official_schema, report_certificate
from lxml import etree
from test_report_package import make_p12

from formproc.cli import main
from formproc.report import package as pkg

SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


def run(args, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out = capsys.readouterr()
    return done.value.code or 0, out.out, out.err


@pytest.fixture
def files(tmp_path):
    records = tmp_path / "records.json"
    records.write_text(json.dumps([report_certificate(n).to_json_dict() for n in range(4)]), encoding="utf-8")
    provider = tmp_path / "provider.json"
    provider.write_text(json.dumps(REPORT_PROVIDER), encoding="utf-8")
    return tmp_path, records, provider


def test_report_written_signed_and_zipped(files, capsys):
    tmp, records, provider = files
    p12, cert = make_p12(b"secret")
    (tmp / "cert.p12").write_bytes(p12)
    (tmp / "pw.txt").write_text("secret\n", encoding="utf-8")
    code, out, _ = run(["report", str(records), "--month", "2025-03", "--provider", str(provider),
                        "-o", str(tmp / "r.xml"), "--zip", str(tmp / "r.zip"), "--sign", str(tmp / "cert.p12"),
                        "--password-file", str(tmp / "pw.txt")], capsys)
    assert code == 0
    summary = json.loads(out)
    assert summary["counts"] == {"certificates": 4} and summary["package"]["signed"]
    xml = (tmp / "r.xml").read_bytes()
    assert official_schema("ImportSickLeaveReport.xsd").validate(etree.fromstring(xml, SAFE))
    opened = pkg.open_package((tmp / "r.zip").read_bytes())
    assert opened.xml == xml and opened.signer == cert
    assert opened.name == summary["package"]["fileName"] and opened.name.startswith("SICK_18547290_")


def test_rectificative_from_previous_file(files, capsys):
    tmp, records, provider = files
    assert run(["report", str(records), "--month", "2025-03", "--provider", str(provider), "-o",
                str(tmp / "orig.xml")], capsys)[0] == 0
    changed = [report_certificate(n).to_json_dict() for n in range(3)]
    (tmp / "now.json").write_text(json.dumps(changed), encoding="utf-8")
    code, out, _ = run(["report", str(tmp / "now.json"), "--month", "2025-03", "--provider", str(provider),
                        "-o", str(tmp / "rect.xml"), "--previous", str(tmp / "orig.xml")], capsys)
    assert code == 0 and json.loads(out)["counts"] == {"A": 0, "M": 0, "S": 1}
    root = etree.fromstring((tmp / "rect.xml").read_bytes(), SAFE)
    assert official_schema("ImportSickLeaveReport.xsd").validate(root)
    assert root.get("correction") == "true" and [c.get("correctionType") for c in root] == ["S"]


def test_blocked_report_lists_findings_and_writes_nothing(files, capsys):
    tmp, _, provider = files
    bad = report_certificate(1, pid="1800101220010").to_json_dict()
    (tmp / "bad.json").write_text(json.dumps([report_certificate(0).to_json_dict(), bad]), encoding="utf-8")
    code, out, err = run(["report", str(tmp / "bad.json"), "--month", "2025-03", "--provider", str(provider),
                          "-o", str(tmp / "r.xml")], capsys)
    assert code == 1
    entries = json.loads(out)
    assert [(e["index"], e["serialNo"]) for e in entries] == [(1, "1000001")]
    assert all(set(f) == {"rule", "severity", "fields", "message", "source"} for f in entries[0]["findings"])
    assert not (tmp / "r.xml").exists()
    assert "erori" in err


@pytest.mark.parametrize("change", ["month", "provider", "sign-without-zip", "records"])
def test_unusable_input_exits_2(files, capsys, change):
    tmp, records, provider = files
    args = ["report", str(records), "--month", "2025-03", "--provider", str(provider), "-o", str(tmp / "r.xml")]
    if change == "month":
        args[3] = "03-2025"
    elif change == "provider":
        provider.write_text(json.dumps({"providerCode": "X"}), encoding="utf-8")
    elif change == "sign-without-zip":
        args += ["--sign", str(tmp / "none.p12")]
    else:
        records.write_text("{not json", encoding="utf-8")
    code, _, err = run(args, capsys)
    assert code == 2 and err.startswith("formproc: ")
    assert not (tmp / "r.xml").exists()

"""`formproc report | feedback | send | fetch-feedback | deadline`: the monthly SIUI report."""

from __future__ import annotations

import json
import ssl
import sys
from datetime import date, datetime
from typing import Any, List, Optional

import typer

from formproc.cli_app import app
from formproc.errors import InputError
from formproc.files import read_bytes, read_text, write_atomic
from formproc.model import read_records


def _emit(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _password(path: str | None) -> bytes | None:
    if path is None:
        return None
    return read_text(path).rstrip("\r\n").encode("utf-8")


def _signer(p12: str | None, password_file: str | None):
    from formproc.report.package import load_signer

    if p12 is None:
        if password_file is not None:
            raise InputError("--password-file is only used with a PKCS#12 certificate")
        return None
    return load_signer(read_bytes(p12, 1024 * 1024), _password(password_file), p12)


def _warn(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        for f in entry["findings"]:
            print(f"avertisment: {entry['serialCode'] or '?'} {entry['serialNo'] or '?'}: {f['message']} "
                  f"[{f['rule']}]", file=sys.stderr)


@app.command()
def report(records: str = typer.Argument(..., help="certificate records (JSON / JSON Lines)"),
           month: str = typer.Option(..., "--month", help="reported month YYYY-MM"),
           provider: str = typer.Option(..., "--provider", help="PROVIDER.json"),
           output: str = typer.Option(..., "-o", "--output", help="report XML to write"),
           previous: Optional[List[str]] = typer.Option(
               None, "--previous", help="report(s) already submitted for the month: the original, then any "
                                        "rectificatives (makes a rectificative report)"),
           zip_path: Optional[str] = typer.Option(None, "--zip", help="also write the SIUI package (ZIP)"),
           sign: Optional[str] = typer.Option(None, "--sign", help="PKCS#12 certificate to sign the package"),
           password_file: Optional[str] = typer.Option(None, "--password-file",
                                                       help="file holding the PKCS#12 password")) -> None:
    """Raportarea lunară SIUI (XML); blocată cât timp un certificat are erori."""
    from formproc.report import ReportBlocked, load_provider, prepare_report
    from formproc.report.package import make_package

    if sign and not zip_path:
        raise InputError("--sign signs the package: give --zip OUT.zip too")
    signer = _signer(sign, password_file)
    prov = load_provider(provider)
    recs = read_records(records)
    prev = [(read_bytes(p), p) for p in previous or []]
    try:
        prepared = prepare_report(recs, month, prov, prev)
    except ReportBlocked as blocked:
        _emit(blocked.entries)
        print(f"formproc: {blocked}", file=sys.stderr)
        raise typer.Exit(1)
    _warn(prepared.warnings)
    write_atomic(output, prepared.xml)
    out: dict[str, Any] = {"output": output, "appId": prepared.app_id, "correction": prepared.correction,
                           "counts": prepared.counts, "annulledLeftOut": prepared.selection.annulled,
                           "warnings": sum(len(e["findings"]) for e in prepared.warnings)}
    if zip_path:
        package = make_package(prepared.xml, prov.file_code, datetime.now(), signer)
        write_atomic(zip_path, package.zip_bytes)
        out["package"] = {"path": zip_path, "fileName": package.name, "signed": package.signed}
    _emit(out)


@app.command()
def feedback(file: str = typer.Argument(..., help="FeedbackSickLeaveReport XML (or the ZIP SIUI sends)"),
             records: Optional[str] = typer.Option(None, "--records",
                                                   help="records: issued certificates missing → FĂRĂ RAPORTARE")
             ) -> None:
    """Răspunsul CAS: VALIDAT / CU ERORI / FĂRĂ RAPORTARE pentru fiecare certificat."""
    from formproc.report.feedback import VALIDAT, parse_feedback, summary
    from formproc.report.package import read_zip

    data = read_bytes(file)
    if data[:2] == b"PK":
        data = read_zip(data, file)[1]
    entries = summary(parse_feedback(data, file), read_records(records) if records else ())
    _emit(entries)
    if any(e["status"] != VALIDAT for e in entries):
        raise typer.Exit(1)


def _client(endpoint: str | None, cert: str | None, password_file: str | None, cafile: str | None):
    from formproc.report.siui_client import SiuiClient, client_tls_context

    signer = _signer(cert, password_file)
    if signer is not None:
        tls = client_tls_context(signer, cafile)
    else:
        tls = ssl.create_default_context(cafile=cafile) if cafile else None
    return SiuiClient(endpoint, tls=tls)


@app.command()
def send(package: str = typer.Argument(..., help="signed SIUI package (ZIP) made by `formproc report --zip --sign`"),
         endpoint: Optional[str] = typer.Option(None, "--endpoint", help="SiuiWS address (default: "
                                                "FORMPROC_SIUI_ENDPOINT, else the CNAS address)"),
         cert: Optional[str] = typer.Option(None, "--cert", help="PKCS#12 certificate for the HTTPS connection"),
         password_file: Optional[str] = typer.Option(None, "--password-file", help="file holding its password"),
         cafile: Optional[str] = typer.Option(None, "--cafile", help="CA certificates (PEM) to trust")) -> None:
    """Trimite raportarea la SIUI (sendReport, tip SICK)."""
    from formproc.report.package import open_package, to_base64
    from formproc.report.schema import report_schema
    from formproc.xmlsafe import parse_bytes, validate

    data = read_bytes(package)
    opened = open_package(data, package)
    if opened.signer is None:
        raise InputError(f"{package}: the report is not signed; SIUI accepts only signed reports (use --sign)")
    validate(parse_bytes(opened.xml, opened.name), report_schema(), opened.name)
    client = _client(endpoint, cert, password_file, cafile)
    result = client.send_report(to_base64(data))
    _emit({"fileName": opened.name, "endpoint": client.url, "result": result})


@app.command("fetch-feedback")
def fetch_feedback(file_name: str = typer.Argument(..., help="name of the submitted file (SICK_….xml)"),
                   output: str = typer.Option(..., "-o", "--output", help="feedback XML to write"),
                   endpoint: Optional[str] = typer.Option(None, "--endpoint", help="SiuiWS address"),
                   cert: Optional[str] = typer.Option(None, "--cert", help="PKCS#12 certificate for HTTPS"),
                   password_file: Optional[str] = typer.Option(None, "--password-file"),
                   cafile: Optional[str] = typer.Option(None, "--cafile", help="CA certificates (PEM) to trust")
                   ) -> None:
    """Descarcă răspunsul CAS la o raportare trimisă (getReportFeedback)."""
    from formproc.report.feedback import parse_feedback

    xml = _client(endpoint, cert, password_file, cafile).fetch_feedback(file_name)
    if xml is None:
        print(f"formproc: SIUI has no answer yet for {file_name}", file=sys.stderr)
        raise typer.Exit(1)
    parse_feedback(xml, f"SIUI feedback for {file_name}")
    write_atomic(output, xml)
    _emit({"fileName": file_name, "output": output})


@app.command()
def deadline(month: str = typer.Argument(..., help="reported month YYYY-MM"),
             cas: Optional[str] = typer.Option(None, "--cas", help="insurance house code, e.g. CAS-IS"),
             today: Optional[str] = typer.Option(None, "--today", help="date YYYY-MM-DD (default: today)")) -> None:
    """Termenul de raportare pentru o lună (implicit ziua 12 a lunii următoare)."""
    from formproc.report.deadline import due_date
    from formproc.report.provider import parse_month

    year, mon = parse_month(month)
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise InputError(f"--today: '{today}' is not a date YYYY-MM-DD") from None
    due = due_date(year, mon, cas)
    _emit({"month": f"{year:04d}-{mon:02d}", "cas": cas, "due": due.isoformat(), "daysLeft": (due - day).days})

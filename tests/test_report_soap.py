"""The SiuiWS client against a local stand-in service implementing sendReport/getReportFeedback.

The stand-in listens on 127.0.0.1 (ephemeral port), validates every request and response body
against the types of the official SiuiWS.wsdl, checks the package like SIUI does (one file in the
ZIP, CMS signature verified by the openssl command, report valid against the official XSD), and
answers feedback files valid against the official FeedbackSickLeaveReport.xsd. It stops by
itself after two minutes at most.
"""

from __future__ import annotations

import base64
import contextlib
import io
import shutil
import ssl
import subprocess
import tempfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import CNAS, REPORT_PROVIDER, official_schema, report_certificate
from lxml import etree
from test_report_package import WHEN, make_p12

from formproc.cli import main
from formproc.report import Provider, build_report
from formproc.report import package as pkg
from formproc.report.feedback import CU_ERORI, VALIDAT, parse_feedback, summary
from formproc.report.siui_client import SOAP_ENV, ConnectionFailed, SiuiClient, SiuiFault

WS = "http://webservices.utils.svapnt.siveco.ro"
WS_EXC = "http://exceptions.webservices.utils.svapnt.siveco.ro"
SIUI = "http://www.cnas.ro/siui/2.0"
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
STANDIN_LIFETIME_S = 120


def wsdl_schema(folder: Path) -> etree.XMLSchema:
    """The XML Schema embedded in the official SiuiWS.wsdl (two schemas, wired by a temporary file)."""
    wsdl = etree.parse(str(CNAS / "SiuiWS.wsdl"), SAFE).getroot()
    schemas = wsdl.findall("{http://schemas.xmlsoap.org/wsdl/}types/{http://www.w3.org/2001/XMLSchema}schema")
    main_schema = next(s for s in schemas if s.get("targetNamespace") == WS)
    exc_schema = next(s for s in schemas if s.get("targetNamespace") == WS_EXC)
    exc_path = folder / "exceptions.xsd"
    exc_path.write_bytes(etree.tostring(exc_schema))
    main_schema.find("{http://www.w3.org/2001/XMLSchema}import").set("schemaLocation", exc_path.as_uri())
    return etree.XMLSchema(etree.fromstring(etree.tostring(main_schema)))


class StandIn:
    """The SiuiWS stand-in: state and the SIUI-like checks."""

    def __init__(self, folder: Path):
        self.ws_schema = wsdl_schema(folder)
        self.report_schema = official_schema("ImportSickLeaveReport.xsd")
        self.feedback_schema = official_schema("FeedbackSickLeaveReport.xsd")
        self.folder = folder
        self.reports: dict[str, bytes] = {}
        self.feedback: dict[str, bytes] = {}
        self.requests: list[str] = []
        self.base_url = ""

    def check_body(self, element: etree._Element) -> None:
        doc = etree.fromstring(etree.tostring(element))
        assert self.ws_schema.validate(doc), self.ws_schema.error_log

    def send_report(self, report_type: str, report_xml: str) -> str:
        if report_type != "SICK":
            raise Fault(-7, f"Nu a fost gasita implementarea pentru tipul de furnizor {report_type}")
        try:
            data = base64.b64decode(report_xml, validate=True)
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
                if not names:
                    raise Fault(-5, "Arhiva raportata nu contine nici un fisier!")
                if len(names) > 1:
                    raise Fault(-4, "Eroare la dezarhivare - arhiva contine mai mult de un fisier!")
                signed = zf.read(names[0])
        except (ValueError, zipfile.BadZipFile):
            raise Fault(-2, "Eroare la dezarhivare - arhiva nu respecta formatul acceptat!") from None
        name = names[0]
        if name in self.reports:
            raise Fault(-8, f"ACEST FISIER A MAI FOST PROCESAT {name}")
        xml = self.unsign(signed)
        root = etree.fromstring(xml, SAFE)
        if not self.report_schema.validate(root):
            raise Fault(-8, f"Eroare la validare raportare. {self.report_schema.error_log.last_error}")
        self.reports[name] = xml
        self.feedback[name] = self.make_feedback(root)
        return "1"

    def unsign(self, signed: bytes) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "in.der").write_bytes(signed)
            result = subprocess.run([shutil.which("openssl"), "cms", "-verify", "-noverify", "-binary", "-inform",
                                     "DER", "-in", str(Path(tmp) / "in.der"), "-out", str(Path(tmp) / "out.xml")],
                                    capture_output=True, timeout=30)
            if result.returncode != 0:
                raise Fault(-8, "Semnatura fisierului nu este valida")
            return (Path(tmp) / "out.xml").read_bytes()

    def make_feedback(self, report: etree._Element) -> bytes:
        """The first certificate has an error, the others are validated."""
        root = etree.Element(f"{{{SIUI}}}report", nsmap={None: SIUI}, AppID=report.get("AppID"),
                             reportMonth=report.get("reportMonth"), reportYear=report.get("reportYear"))
        for n, cert in enumerate(report.iterchildren(f"{{{SIUI}}}certificate")):
            el = etree.SubElement(root, f"{{{SIUI}}}certificate", AppID=cert.get("AppID"),
                                  serialCode=cert.get("serialCode"), serialNo=cert.get("serialNo"),
                                  state="false" if n == 0 else "true")
            if n == 0:
                errors = etree.SubElement(el, f"{{{SIUI}}}errors")
                etree.SubElement(errors, f"{{{SIUI}}}error", code="CM102").text = "CNP inexistent"
        assert self.feedback_schema.validate(root), self.feedback_schema.error_log
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("FEEDBACK_SICK.xml", etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        return buf.getvalue()

    def report_feedback(self, file_name: str) -> list[str]:
        if file_name not in self.feedback:
            return []
        return [f"{self.base_url}/feedback/{file_name}.zip", str(len(self.feedback[file_name]))]


class Fault(Exception):
    """A RaportariException the stand-in answers with."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def response(operation: str, values: list[str], service: StandIn) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    resp = etree.SubElement(body, f"{{{WS}}}{operation}Response", nsmap={None: WS})
    for value in values:
        etree.SubElement(resp, f"{{{WS}}}{operation}Return").text = value
    if values:  # a null array (getReportFeedback with no answer yet) is not expressible in the WSDL types
        service.check_body(resp)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def fault(exc: Fault, service: StandIn) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    f = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(f, "faultcode").text = "soapenv:Server.generalException"
    etree.SubElement(f, "faultstring").text = exc.message
    detail = etree.SubElement(etree.SubElement(f, "detail"), f"{{{WS}}}fault", nsmap={"ns1": WS, "ns2": WS_EXC})
    etree.SubElement(detail, f"{{{WS_EXC}}}errorCode").text = str(exc.code)
    etree.SubElement(detail, f"{{{WS_EXC}}}message").text = exc.message
    service.check_body(detail)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def handler_for(service: StandIn):
    class Handler(BaseHTTPRequestHandler):
        timeout = 15

        def log_message(self, *args):  # keep test output quiet
            pass

        def _answer(self, status: int, data: bytes, kind: str = "text/xml; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            name = self.path.removeprefix("/feedback/").removesuffix(".zip")
            if self.path.startswith("/feedback/") and name in service.feedback:
                self._answer(200, service.feedback[name], "application/zip")
            else:
                self._answer(404, b"not found", "text/plain")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            assert 0 < length < 50_000_000
            assert self.headers.get("SOAPAction") == '""'
            env = etree.fromstring(self.rfile.read(length), SAFE)
            request = env.find(f"{{{SOAP_ENV}}}Body")[0]
            service.check_body(request)
            operation = etree.QName(request).localname
            service.requests.append(operation)
            try:
                if operation == "sendReport":
                    result = [service.send_report(request.findtext(f"{{{WS}}}reportType"),
                                                  request.findtext(f"{{{WS}}}reportXML"))]
                elif operation == "getReportFeedback":
                    result = service.report_feedback(request.findtext(f"{{{WS}}}fileName"))
                else:
                    raise Fault(-7, f"operation {operation} not provided by the stand-in")
                self._answer(200, response(operation, result, service))
            except Fault as exc:
                self._answer(500, fault(exc, service))

    return Handler


@contextlib.contextmanager
def running_standin(folder: Path, tls: ssl.SSLContext | None = None):
    """The stand-in on 127.0.0.1 (ephemeral port), over HTTPS when a TLS context is given."""
    assert shutil.which("openssl"), "the openssl command is needed by the SIUI stand-in"
    service = StandIn(folder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(service))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls else "http"
    service.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    watchdog = threading.Timer(STANDIN_LIFETIME_S, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield service
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def standin(tmp_path):
    with running_standin(tmp_path) as service:
        yield service


@pytest.fixture(scope="module")
def signed_package():
    data, _ = make_p12(b"pw")
    records = [report_certificate(n) for n in range(3)]
    xml = build_report(records, "2025-03", Provider(**REPORT_PROVIDER))
    return pkg.make_package(xml, "RO18547290", WHEN, pkg.load_signer(data, b"pw")), records


def test_send_and_fetch_feedback_round_trip(standin, signed_package):
    package, records = signed_package
    client = SiuiClient(standin.base_url + "/svapntws/services/SiuiWS", timeout=20)
    assert client.report_feedback_location(package.name) is None
    assert client.send_report(package.base64) == 1
    assert package.name in standin.reports
    xml = client.fetch_feedback(package.name)
    statuses = [e["status"] for e in summary(parse_feedback(xml), records)]
    assert statuses == [CU_ERORI, VALIDAT, VALIDAT]
    assert standin.requests == ["getReportFeedback", "sendReport", "getReportFeedback"]


def test_service_faults_become_siui_faults(standin, signed_package):
    package, _ = signed_package
    client = SiuiClient(standin.base_url, timeout=20)
    client.send_report(package.base64)
    with pytest.raises(SiuiFault) as again:
        client.send_report(package.base64)
    assert again.value.code == -8 and "MAI FOST PROCESAT" in again.value.text
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.xml", b"<a/>")
        zf.writestr("b.xml", b"<b/>")
    with pytest.raises(SiuiFault) as several:
        client.send_report(pkg.to_base64(two.getvalue()))
    assert several.value.code == -4


def test_unsigned_or_invalid_reports_are_rejected_by_the_standin(standin):
    client = SiuiClient(standin.base_url, timeout=20)
    unsigned = pkg.make_package(b"<report/>", "MF0001", WHEN)
    with pytest.raises(SiuiFault) as exc:
        client.send_report(unsigned.base64)
    assert exc.value.code == -8


def test_unreachable_endpoint_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionFailed, match="cannot reach"):
        SiuiClient(f"http://127.0.0.1:{port}/SiuiWS", timeout=5).send_report("AAAA")


def test_cli_send_and_fetch_feedback(standin, signed_package, tmp_path, monkeypatch, capsys):
    package, records = signed_package
    zip_path = tmp_path / "report.zip"
    zip_path.write_bytes(package.zip_bytes)
    monkeypatch.setenv("FORMPROC_SIUI_ENDPOINT", standin.base_url + "/SiuiWS")
    with pytest.raises(SystemExit) as done:
        main(["send", str(zip_path)])
    assert done.value.code in (0, None)
    assert package.name in capsys.readouterr().out
    out = tmp_path / "feedback.xml"
    with pytest.raises(SystemExit) as fetched:
        main(["fetch-feedback", package.name, "-o", str(out)])
    assert fetched.value.code in (0, None)
    assert official_schema("FeedbackSickLeaveReport.xsd").validate(etree.parse(str(out), SAFE))
    with pytest.raises(SystemExit) as again:
        main(["send", str(zip_path)])
    assert again.value.code == 1
    assert "-8" in capsys.readouterr().err


def test_cli_send_refuses_unsigned_package(tmp_path, capsys):
    records = [report_certificate(1)]
    xml = build_report(records, "2025-03", Provider(**REPORT_PROVIDER))
    path = tmp_path / "u.zip"
    path.write_bytes(pkg.make_package(xml, "MF0001", WHEN).zip_bytes)
    with pytest.raises(SystemExit) as done:
        main(["send", str(path), "--endpoint", "http://127.0.0.1:9/SiuiWS"])
    assert done.value.code == 2
    assert "not signed" in capsys.readouterr().err


def server_identity(folder: Path) -> tuple[Path, Path]:
    """A test CA (ca.pem) and a server certificate for 127.0.0.1 signed by it (server.pem, with key)."""
    import ipaddress
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA SIUI")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
          .not_valid_after(now + timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, server_path = folder / "ca.pem", folder / "server.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    server_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
                            + cert.public_bytes(serialization.Encoding.PEM))
    return ca_path, server_path


def test_https_with_client_certificate(tmp_path, signed_package, capsys):
    """SIUI authenticates the user by the certificate: the client presents the one from the PKCS#12."""
    from cryptography.hazmat.primitives import serialization

    package, _ = signed_package
    ca_path, server_path = server_identity(tmp_path)
    p12, client_cert = make_p12(b"pw")
    (tmp_path / "user.p12").write_bytes(p12)
    (tmp_path / "pw.txt").write_text("pw", encoding="utf-8")
    (tmp_path / "client-ca.pem").write_bytes(client_cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "report.zip").write_bytes(package.zip_bytes)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(server_path))
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.load_verify_locations(str(tmp_path / "client-ca.pem"))
    with running_standin(tmp_path, tls) as service:
        args = ["send", str(tmp_path / "report.zip"), "--endpoint", service.base_url + "/SiuiWS",
                "--cafile", str(ca_path)]
        with pytest.raises(SystemExit) as refused:
            main(args)
        assert refused.value.code == 2 and "cannot reach" in capsys.readouterr().err
        assert package.name not in service.reports
        with pytest.raises(SystemExit) as done:
            main(args + ["--cert", str(tmp_path / "user.p12"), "--password-file", str(tmp_path / "pw.txt")])
        assert done.value.code in (0, None), capsys.readouterr().err
        assert package.name in service.reports


def test_endpoint_precedence(monkeypatch):
    from formproc.errors import InputError
    from formproc.report.siui_client import DEFAULT_ENDPOINT, endpoint

    monkeypatch.delenv("FORMPROC_SIUI_ENDPOINT", raising=False)
    assert endpoint() == DEFAULT_ENDPOINT
    assert endpoint(configured="https://cas.example/ws") == "https://cas.example/ws"
    monkeypatch.setenv("FORMPROC_SIUI_ENDPOINT", "http://127.0.0.1:1/env")
    assert endpoint(configured="https://cas.example/ws") == "http://127.0.0.1:1/env"
    assert endpoint("http://127.0.0.1:2/cli", "https://cas.example/ws") == "http://127.0.0.1:2/cli"
    with pytest.raises(InputError):
        endpoint("ftp://x/ws")

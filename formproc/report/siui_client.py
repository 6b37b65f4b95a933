"""A SOAP 1.1 client for the two SiuiWS operations formproc uses (SiuiWS.wsdl, document/literal).

- `sendReport(reportType, reportXML) -> sendReportReturn (int)`: the Base64 of the signed ZIP;
- `getReportFeedback(fileName) -> getReportFeedbackReturn[]`: [download URL, size] or nothing,
  then the ZIP at that URL holds the feedback XML (Aplicații de raportare §5.4-5.5).

The request envelope is built with lxml and posted with urllib; responses and faults are parsed
with formproc.xmlsafe. Faults (RaportariException: errorCode, message) become SiuiFault.
The endpoint: the caller's explicit address (CLI --endpoint), else FORMPROC_SIUI_ENDPOINT, else the
configured one (the store setting `SETTING_KEY`, passed in by the app), else the WSDL's address.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from lxml import etree

from formproc.errors import FormprocError, InputError
from formproc.report.package import REPORT_TYPE, Signer, read_zip
from formproc.xmlsafe import parse_bytes

SERVICE_NS = "http://webservices.utils.svapnt.siveco.ro"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DEFAULT_ENDPOINT = "https://www.siui.ro/svapntws/services/SiuiWS"
MAX_RESPONSE_BYTES = 100 * 1024 * 1024
#: The store setting (formproc.store Store.get_setting) holding the SiuiWS address.
SETTING_KEY = "siui.endpoint"


class SiuiFault(FormprocError):
    """The service refused the request (RaportariException or a SOAP fault)."""

    exit_code = 1

    def __init__(self, code: int | None, message: str):
        super().__init__(f"SIUI a respins cererea ({code if code is not None else 'fault'}): {message}")
        self.code = code
        self.text = message


class ConnectionFailed(FormprocError):
    """The service could not be reached or answered something that is not SOAP."""


def endpoint(explicit: str | None = None, configured: str | None = None) -> str:
    """The SiuiWS address: explicit, else FORMPROC_SIUI_ENDPOINT, else configured, else the WSDL's."""
    url = explicit or os.environ.get("FORMPROC_SIUI_ENDPOINT") or configured or DEFAULT_ENDPOINT
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise InputError(f"endpoint '{url}' is not an http(s) address")
    return url


def client_tls_context(signer: Signer, cafile: str | None = None) -> ssl.SSLContext:
    """A TLS context presenting the user's certificate (SIUI authenticates the client by it)."""
    ctx = ssl.create_default_context(cafile=cafile)
    key_pem = signer.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption())
    cert_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (signer.certificate, *signer.chain))
    with tempfile.TemporaryDirectory(prefix="formproc-tls-") as folder:
        path = Path(folder) / "client.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key_pem + cert_pem)
        ctx.load_cert_chain(str(path))
    return ctx


def envelope(operation: str, params: list[tuple[str, str]]) -> bytes:
    """A SOAP 1.1 request envelope for a document/literal SiuiWS operation."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soapenv": SOAP_ENV, "ws": SERVICE_NS})
    body = etree.SubElement(env, f"{{{SOAP_ENV}}}Body")
    op = etree.SubElement(body, f"{{{SERVICE_NS}}}{operation}")
    for name, value in params:
        etree.SubElement(op, f"{{{SERVICE_NS}}}{name}").text = value
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _fault(fault: etree._Element) -> SiuiFault:
    code: int | None = None
    message = ""
    for el in fault.iter():
        name = _local(el)
        if name == "errorCode" and el.text and el.text.strip().lstrip("-").isdigit():
            code = int(el.text.strip())
        elif name == "message" and el.text:
            message = el.text.strip()
        elif name == "faultstring" and el.text and not message:
            message = el.text.strip()
    return SiuiFault(code, message or "fără mesaj")


def parse_response(data: bytes, operation: str) -> etree._Element:
    """The `{operation}Response` element of a SOAP response; a Fault raises SiuiFault."""
    root = parse_bytes(data, f"SIUI {operation} response")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise ConnectionFailed(f"SIUI {operation}: the answer is not a SOAP envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None:
        raise ConnectionFailed(f"SIUI {operation}: the SOAP answer has no Body")
    fault = body.find(f"{{{SOAP_ENV}}}Fault")
    if fault is not None:
        raise _fault(fault)
    response = body.find(f"{{{SERVICE_NS}}}{operation}Response")
    if response is None:
        raise ConnectionFailed(f"SIUI {operation}: the answer has no {operation}Response")
    return response


class SiuiClient:
    """sendReport and getReportFeedback on one SiuiWS endpoint."""

    def __init__(self, url: str | None = None, timeout: float = 120.0, tls: ssl.SSLContext | None = None,
                 configured: str | None = None):
        self.url = endpoint(url, configured)
        self.timeout = timeout
        self.tls = tls

    def _http(self, request: urllib.request.Request, what: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self.tls) as resp:
                return resp.status, resp.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(MAX_RESPONSE_BYTES + 1)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ConnectionFailed(f"{what}: cannot reach {request.full_url} ({reason})") from None

    def call(self, operation: str, params: list[tuple[str, str]]) -> etree._Element:
        """POST one operation and return its response element."""
        request = urllib.request.Request(self.url, data=envelope(operation, params), method="POST", headers={
            "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'})
        status, data = self._http(request, f"SIUI {operation}")
        if len(data) > MAX_RESPONSE_BYTES:
            raise ConnectionFailed(f"SIUI {operation}: the answer is too large")
        if status != 200 and b"Fault" not in data:
            raise ConnectionFailed(f"SIUI {operation}: HTTP {status}")
        return parse_response(data, operation)

    def send_report(self, package_base64: str, report_type: str = REPORT_TYPE) -> int:
        """sendReport: submit a signed, zipped, Base64 report; the service's return value."""
        response = self.call("sendReport", [("reportType", report_type), ("reportXML", package_base64)])
        value = response.findtext(f"{{{SERVICE_NS}}}sendReportReturn")
        if value is None or not value.strip().lstrip("-").isdigit():
            raise ConnectionFailed(f"SIUI sendReport: unexpected return value {value!r}")
        result = int(value)
        if result == 0:
            raise SiuiFault(0, "sendReport a întors 0 (raportarea nu a fost primită)")
        return result

    def report_feedback_location(self, file_name: str) -> tuple[str, int] | None:
        """getReportFeedback: (download URL, size in bytes), or None while there is no answer."""
        response = self.call("getReportFeedback", [("fileName", file_name)])
        values = [el for el in response.iterchildren(f"{{{SERVICE_NS}}}getReportFeedbackReturn")
                  if el.get(f"{{{XSI}}}nil") not in ("true", "1")]
        if not values:
            return None
        if len(values) != 2 or not (values[1].text or "").strip().isdigit():
            raise ConnectionFailed("SIUI getReportFeedback: expected [URL, size]")
        url = (values[0].text or "").strip()
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConnectionFailed(f"SIUI getReportFeedback: '{url}' is not an http(s) address")
        return url, int(values[1].text.strip())  # type: ignore[union-attr]

    def fetch_feedback(self, file_name: str) -> bytes | None:
        """The feedback XML for a submitted file (downloaded ZIP, size checked), or None if not ready."""
        location = self.report_feedback_location(file_name)
        if location is None:
            return None
        url, size = location
        status, data = self._http(urllib.request.Request(url, method="GET"), "SIUI feedback download")
        if status != 200:
            raise ConnectionFailed(f"SIUI feedback download: HTTP {status}")
        if len(data) != size:
            raise ConnectionFailed(f"SIUI feedback download: got {len(data)} bytes, expected {size}")
        return read_zip(data, "SIUI feedback")[1]

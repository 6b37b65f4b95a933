"""The bad-input catalogue: every input the CLI accepts, every way it can be broken.

Each entry runs through `formproc.cli.main` in-process (fast) and must end with exit 2, one line
on stderr naming the problem, no traceback, no output file (or temporary file) left behind, and
the data folder (imported catalogs, the store) unchanged. The entries that could hang or exhaust
memory (bombs, huge images, 10 MB strings, deep nesting) also run in a real subprocess under a
timeout. docs/reliability.md lists every entry with the message a user sees.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Callable

import pytest
from PIL import Image

from formproc import catalogs
from formproc.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
NS = "http://www.cnas.ro/siui/2.0"
MB10 = 10 * 1024 * 1024 + 1  # over lxml's 10,000,000-character limit for one text or attribute
PASSWORD = b"parola-p12"


# --- good inputs (the bad ones are made from them) ---------------------------------------------------

@cache
def records_json() -> bytes:
    return (SAMPLES / "records.json").read_bytes()


@cache
def one_record() -> dict:
    return json.loads(records_json())[0]


@cache
def provider_json() -> bytes:
    return (SAMPLES / "provider.json").read_bytes()


@cache
def incomes_json() -> bytes:
    months = [{"month": f"2026-{m:02d}", "income": 6000.00, "daysWorked": 21} for m in range(4, 10)]
    return json.dumps(months).encode()


@cache
def previous_report() -> bytes:
    from formproc.model import read_records
    from formproc.report import load_provider, prepare_report

    return prepare_report(read_records(str(SAMPLES / "records.json")), "2026-10",
                          load_provider(str(SAMPLES / "provider.json")), []).xml


@cache
def feedback_xml() -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<report xmlns="{NS}" AppID="a1" reportMonth="10" '
            f'reportYear="2026">\n  <certificate AppID="c1" serialCode="CCMAT" serialNo="4512301" state="true"/>\n'
            '</report>\n').encode()


@cache
def template_json() -> bytes:
    return (ROOT / "templates" / "ccm-2025.json").read_bytes()


@cache
def profile_json() -> bytes:
    return json.dumps({"name": "birou", "offset_x_mm": 1.0, "nudges": {"pid": {"x": 0.5}}}).encode()


@cache
def pkcs12_file() -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dr Test")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"dr", key, cert, None,
                                                 serialization.BestAvailableEncryption(PASSWORD))


def _image(fmt: str, size: tuple[int, int] = (620, 880), mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, "white").save(buf, fmt)
    return buf.getvalue()


@cache
def png() -> bytes:
    return _image("PNG")


@cache
def jpeg() -> bytes:
    return _image("JPEG")


@cache
def tiff() -> bytes:
    return _image("TIFF")


@cache
def pdf() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (620, 880), "white").save(buf, "PDF", resolution=75)
    return buf.getvalue()


# --- bad inputs ---------------------------------------------------------------------------------

def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@cache
def png_bomb() -> bytes:
    """A 20,000 x 20,000 px 1-bit PNG: ~60 KB on disk, 400 Mpx (1.2 GB as RGB) once decoded."""
    width = height = 20_000
    row = b"\x00" + b"\x00" * (width // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", body) + png_chunk(b"IEND", b""))


@cache
def jpeg_20000() -> bytes:
    """A real JPEG whose frame header says 20,000 x 20,000 px (the data is only the original's)."""
    data = bytearray(_image("JPEG", (64, 64)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5: sof + 9] = struct.pack(">HH", 20_000, 20_000)
    return bytes(data)


@cache
def tiff_20000() -> bytes:
    """A small TIFF whose header says 20,000 x 20,000 px (width and height patched in its IFD)."""
    raw = bytearray(_image("TIFF", (64, 64), "L"))
    assert raw[:2] == b"II"
    ifd = struct.unpack("<I", raw[4:8])[0]
    for i in range(struct.unpack("<H", raw[ifd:ifd + 2])[0]):
        entry = ifd + 2 + 12 * i
        tag, typ = struct.unpack("<HH", raw[entry:entry + 4])
        if tag in (256, 257):
            raw[entry + 8:entry + 12] = struct.pack("<HH", 20_000, 0) if typ == 3 else struct.pack("<I", 20_000)
    return bytes(raw)


@cache
def multipage_bomb() -> bytes:
    """A TIFF of 10 pages of 8,900 x 8,900 px (1-bit, deflate, ~1 MB): each page under the per-page
    limit, together 792 Mpx (2.4 GB as RGB)."""
    page = Image.new("1", (8900, 8900), 1)
    buf = io.BytesIO()
    page.save(buf, "TIFF", save_all=True, append_images=[page] * 9, compression="tiff_adobe_deflate")
    return buf.getvalue()


@cache
def one_pixel_png() -> bytes:
    return _image("PNG", (1, 1))


@cache
def one_point_pdf() -> bytes:
    """A PDF whose page is 1 x 1 pt (a third of a millimetre)."""
    buf = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buf, "PDF", resolution=72)
    return buf.getvalue()


@cache
def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
    writer.encrypt("secret", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@cache
def huge_page_pdf() -> bytes:
    """A PDF whose one page is 14,400 x 14,400 pt (5 x 5 m), the largest the PDF format allows."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(14_400, 14_400)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@cache
def no_page_pdf() -> bytes:
    from pypdf import PdfWriter

    buf = io.BytesIO()
    PdfWriter().write(buf)
    return buf.getvalue()


def invalid_utf8(data: bytes) -> bytes:
    """Valid text with two bytes that are not UTF-8 inside the first string value."""
    i = data.index(b'"') + 1
    return data[:i] + b"\xff\xfe" + data[i:]


def xml_invalid_utf8(data: bytes) -> bytes:
    i = data.index(b'="', data.index(b"<", 10)) + 2
    return data[:i] + b"\xff\xfe" + data[i:]


def wrong_namespace(data: bytes) -> bytes:
    return data.replace(NS.encode(), b"http://example.com/not-siui")


def _after_declaration(data: bytes, insert: bytes) -> bytes:
    i = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
    return data[:i] + b"\n" + insert + data[i:]


def root_name(data: bytes) -> bytes:
    return re.search(rb"<([A-Za-z]+)[\s>]", data[data.index(b"?>") + 2:] if data.startswith(b"<?xml") else data).group(1)


def external_entity(data: bytes) -> bytes:
    name = root_name(data)
    doc = _after_declaration(data, b"<!DOCTYPE " + name + b' [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    i = doc.index(b'="', doc.index(b"<" + name)) + 2
    return doc[:i] + b"&xxe;" + doc[i:]


def billion_laughs(data: bytes) -> bytes:
    name = root_name(data)
    ents = [b'<!ENTITY l0 "lol">'] + [b"<!ENTITY l%d \"%s\">" % (i, b"&l%d;" % (i - 1) * 10) for i in range(1, 10)]
    doc = _after_declaration(data, b"<!DOCTYPE " + name + b" [" + b"".join(ents) + b"]>")
    i = doc.index(b'="', doc.index(b"<" + name)) + 2
    return doc[:i] + b"&l9;" + doc[i:]


def external_dtd(data: bytes) -> bytes:
    return _after_declaration(data, b"<!DOCTYPE " + root_name(data) + b' SYSTEM "http://127.0.0.1:9/siui.dtd">')


def xml_10mb(data: bytes) -> bytes:
    i = data.index(b'="', data.index(b"<", data.index(b"?>") + 2)) + 2
    return data[:i] + b"A" * MB10 + data[i:]


def json_10mb_string(data: bytes) -> bytes:
    obj = json.loads(data)
    target = obj[0] if isinstance(obj, list) else obj
    key = next(k for k, v in target.items() if isinstance(v, str))
    target[key] = "A" * MB10
    return json.dumps(obj).encode()


def deep_json() -> bytes:
    return b"[" * 200_000 + b"]" * 200_000


def huge_number(data: bytes) -> bytes:
    obj = json.loads(data)
    target = obj[0] if isinstance(obj, list) else obj
    key = next(k for k, v in target.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
    return json.dumps(obj).replace(f'"{key}": {json.dumps(target[key])}', f'"{key}": 1{"0" * 6000}', 1).encode()


def record_with(**changes) -> bytes:
    return json.dumps([{**one_record(), **changes}]).encode()


def nomenclature() -> bytes:
    return (SAMPLES / "NomenclaturesCM.xml").read_bytes()


def personalization() -> bytes:
    return (SAMPLES / "PersonalizedFileCM.xml").read_bytes()


def corrupt_zip() -> bytes:
    """A ZIP whose deflated data is damaged in the middle (the directory is intact)."""
    data = bytearray(_zip({"SICK_1_20261110_0900.xml": feedback_xml() * 40}))
    data[80:120] = b"\x00" * 40
    return bytes(data)


def zip_declaring(size: int) -> bytes:
    """A one-entry ZIP whose directory says the entry unpacks to `size` bytes (a ZIP bomb's header)."""
    data = bytearray(_zip({"SICK_1_20261110_0900.xml": feedback_xml()}))
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 24:cd + 28] = struct.pack("<I", size)
    return bytes(data)


# --- the commands, with {bad} for the broken file and {out} for the output they must not leave -----

COMMANDS: dict[str, tuple[str, list[str]]] = {
    "records/validate": ("records.json", ["validate", "{bad}"]),
    "records/print": ("records.json", ["print", "{bad}", "-o", "{out}/out.pdf"]),
    "records/report": ("records.json", ["report", "{bad}", "--month", "2026-10", "--provider", "{good}/provider.json",
                                        "-o", "{out}/out.xml", "--zip", "{out}/out.zip"]),
    "records/payer": ("cert.json", ["payer", "{bad}", "--incomes", "{good}/incomes.json"]),
    "incomes/payer": ("incomes.json", ["payer", "{good}/cert.json", "--incomes", "{bad}"]),
    "provider/report": ("provider.json", ["report", "{good}/records.json", "--month", "2026-10", "--provider",
                                          "{bad}", "-o", "{out}/out.xml"]),
    "scan/png": ("scan.png", ["scan", "{bad}", "-o", "{out}/out.jsonl"]),
    "scan/jpeg": ("scan.jpg", ["scan", "{bad}", "-o", "{out}/out.jsonl"]),
    "scan/tiff": ("scan.tif", ["scan", "{bad}", "-o", "{out}/out.jsonl"]),
    "scan/pdf": ("scan.pdf", ["scan", "{bad}", "-o", "{out}/out.jsonl"]),
    "nomenclature/import": ("NomenclaturesCM.xml", ["catalogs", "import", "{bad}"]),
    "personalization/import": ("PersonalizedFileCM.xml", ["catalogs", "import", "{bad}"]),
    "feedback": ("feedback.xml", ["feedback", "{bad}", "--records", "{good}/records.json"]),
    "previous/report": ("previous.xml", ["report", "{good}/records.json", "--month", "2026-10", "--provider",
                                         "{good}/provider.json", "-o", "{out}/out.xml", "--previous", "{bad}"]),
    "profile/print": ("profile.json", ["print", "{good}/records.json", "-o", "{out}/out.pdf", "--profile", "{bad}"]),
    "template/blank": ("template.json", ["blank", "--template", "{bad}", "-o", "{out}/out.pdf"]),
    "template/print": ("template.json", ["print", "{good}/records.json", "-o", "{out}/out.pdf", "--template", "{bad}"]),
    "pkcs12/report": ("signer.p12", ["report", "{good}/records.json", "--month", "2026-10", "--provider",
                                     "{good}/provider.json", "-o", "{out}/out.xml", "--zip", "{out}/out.zip",
                                     "--sign", "{bad}", "--password-file", "{good}/password.txt"]),
    "backup/restore": ("backup.zip", ["restore", "{bad}"]),
    "feedback-zip": ("feedback.zip", ["feedback", "{bad}"]),
}


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: which input, which breakage, the bytes, what the message must say."""

    command: str
    problem: str
    content: Callable[[], bytes]
    message: str  # a regular expression the one-line message must match
    heavy: bool = False  # also run in a subprocess under a timeout

    @property
    def id(self) -> str:
        return f"{self.command}:{self.problem}"


def E(command: str, problem: str, content: Callable[[], bytes], message: str, heavy: bool = False) -> Entry:
    return Entry(command, problem, content, message, heavy)


EMPTY = r"empty"
NOT_UTF8 = r"not valid UTF-8"
NOT_JSON = r"not valid JSON|invalid JSON"
NOT_XML = r"not well-formed XML"
DOCTYPE = r"DOCTYPE"
TOO_LARGE = r"too large"
NOT_IMAGE = r"not a PNG, JPEG, TIFF or PDF"

CATALOGUE: list[Entry] = []

# Records (JSON): validate, print, report, payer.
for cmd in ("records/validate", "records/print", "records/report", "records/payer"):
    good = (lambda: json.dumps(one_record()).encode()) if cmd == "records/payer" else records_json
    CATALOGUE += [
        E(cmd, "empty file", lambda: b"", EMPTY),
        E(cmd, "truncated file", lambda g=good: truncated(g()), NOT_JSON),
        E(cmd, "wrong type (PNG behind .json)", png, NOT_UTF8),
        E(cmd, "invalid UTF-8", lambda g=good: invalid_utf8(g()), NOT_UTF8),
        E(cmd, "10 MB string", lambda g=good: json_10mb_string(g()), r"field '\w+': String should have at most"),
        E(cmd, "wrong type: days is text", lambda: record_with(days="patru"), r"field '(0\.)?days'|record 0: field 'days'"),
        E(cmd, "wrong type: record is a list of numbers", lambda: b"[1, 2, 3]", r"expected a JSON object"),
        E(cmd, "out-of-range date: month 13", lambda: record_with(issueDate="2026-13-05"), r"field 'issueDate'"),
        E(cmd, "out-of-range date: year 0", lambda: record_with(validFrom="0000-01-01"), r"field 'validFrom'"),
        E(cmd, "out-of-range date: year 10000", lambda: record_with(validTo="10000-01-01"), r"field 'validTo'"),
        E(cmd, "deep nesting", deep_json, r"nested too deeply|not valid JSON", heavy=True),
        E(cmd, "6000-digit number", lambda: huge_number(record_with()), r"number|field 'month'", heavy=True),
    ]

CATALOGUE += [
    E("incomes/payer", "empty file", lambda: b"", r"not valid JSON|empty"),
    E("incomes/payer", "truncated file", lambda: truncated(incomes_json()), NOT_JSON),
    E("incomes/payer", "wrong type (PNG behind .json)", png, NOT_UTF8),
    E("incomes/payer", "invalid UTF-8", lambda: invalid_utf8(incomes_json()), NOT_UTF8),
    E("incomes/payer", "10 MB string", lambda: json_10mb_string(incomes_json()), r"month must be YYYY-MM"),
    E("incomes/payer", "wrong type: income is a list", lambda: b'[{"month": "2026-09", "income": [1], "daysWorked": 20}]',
      r"income must be a number"),
    E("incomes/payer", "wrong type: object instead of list", lambda: b'{"month": "2026-09"}', r"expected a JSON list"),
    E("incomes/payer", "out-of-range date: month 13", lambda: b'[{"month": "2026-13", "income": 1, "daysWorked": 20}]',
      r"month must be YYYY-MM"),
    E("incomes/payer", "negative income", lambda: b'[{"month": "2026-09", "income": -5, "daysWorked": 20}]',
      r"non-negative"),
    E("incomes/payer", "deep nesting", deep_json, r"nested too deeply|not valid JSON", heavy=True),
    E("provider/report", "empty file", lambda: b"", r"not valid JSON|empty"),
    E("provider/report", "truncated file", lambda: truncated(provider_json()), NOT_JSON),
    E("provider/report", "wrong type (PNG behind .json)", png, NOT_UTF8),
    E("provider/report", "invalid UTF-8", lambda: invalid_utf8(provider_json()), NOT_UTF8),
    E("provider/report", "wrong type: providerCode is a list", lambda: b'{"providerCode": [1], "providerName": "x", '
      b'"insuranceHouse": "CAS-IS", "conventionNo": "1"}', r"'providerCode' must be text"),
    E("provider/report", "10 MB string", lambda: json_10mb_string(provider_json()),
      r"'providerCode': \[facet 'maxLength'\] The value$"),
]

# Scans: PNG, JPEG, TIFF, PDF.
ONE_PIXEL = {"scan/png": one_pixel_png, "scan/jpeg": lambda: _image("JPEG", (1, 1)),
             "scan/tiff": lambda: _image("TIFF", (1, 1)), "scan/pdf": one_point_pdf}
for cmd, good in (("scan/png", png), ("scan/jpeg", jpeg), ("scan/tiff", tiff), ("scan/pdf", pdf)):
    CATALOGUE += [
        E(cmd, "empty file", lambda: b"", r"empty|" + NOT_IMAGE),
        E(cmd, "truncated file", lambda g=good: truncated(g()), r"damaged|not a readable PDF|" + NOT_IMAGE),
        E(cmd, "wrong type (text behind the extension)", lambda: b"name,cnp\nPOPA,1800101221144\n", NOT_IMAGE),
        E(cmd, "1-pixel image", ONE_PIXEL[cmd], r"too small"),
    ]
CATALOGUE += [
    E("scan/png", "wrong type (ZIP behind .png)", lambda: _zip({"a.txt": b"x"}), NOT_IMAGE),
    E("scan/png", "decompression bomb (20,000 x 20,000 px, 60 KB)", png_bomb, TOO_LARGE, heavy=True),
    E("scan/jpeg", "20,000 x 20,000 px", jpeg_20000, TOO_LARGE, heavy=True),
    E("scan/tiff", "20,000 x 20,000 px", tiff_20000, TOO_LARGE, heavy=True),
    E("scan/tiff", "decompression bomb (10 pages of 79 Mpx)", multipage_bomb, TOO_LARGE, heavy=True),
    E("scan/pdf", "corrupt PDF", lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n%%garbage\x00\xff", r"not a readable PDF"),
    E("scan/pdf", "encrypted PDF", encrypted_pdf, r"password-protected \(encrypted\)"),
    E("scan/pdf", "PDF without pages", no_page_pdf, r"no pages|not a readable PDF"),
    E("scan/pdf", "PDF page of 14,400 x 14,400 pt", huge_page_pdf, TOO_LARGE, heavy=True),
]

# SIUI XML: nomenclature, personalization, feedback, previous report.
XML_INPUTS = {"nomenclature/import": nomenclature, "personalization/import": personalization,
              "feedback": feedback_xml, "previous/report": previous_report}
WRONG_SCHEMA = {"nomenclature/import": (feedback_xml, r"neither a SIUI nomenclature"),
                "personalization/import": (lambda: previous_report(), r"neither a SIUI nomenclature"),
                "feedback": (nomenclature, r"not a SIUI sick-leave feedback"),
                "previous/report": (feedback_xml, r"line \d+:")}
for cmd, good in XML_INPUTS.items():
    CATALOGUE += [
        E(cmd, "empty file", lambda: b"", r"empty file, expected XML"),
        E(cmd, "truncated file", lambda g=good: truncated(g()), NOT_XML),
        E(cmd, "wrong type (PNG behind .xml)", png, NOT_XML),
        E(cmd, "invalid UTF-8", lambda g=good: xml_invalid_utf8(g()), NOT_XML),
        E(cmd, "wrong XML namespace", lambda g=good: wrong_namespace(g()),
          r"not in the SIUI namespace|not a SIUI sick-leave"),
        E(cmd, "external entity", lambda g=good: external_entity(g()), DOCTYPE + "|external entity"),
        E(cmd, "billion laughs", lambda g=good: billion_laughs(g()), DOCTYPE + "|" + NOT_XML, heavy=True),
        E(cmd, "external DTD", lambda g=good: external_dtd(g()), DOCTYPE),
        E(cmd, "valid XML of the wrong schema", WRONG_SCHEMA[cmd][0], WRONG_SCHEMA[cmd][1]),
        E(cmd, "10 MB string", lambda g=good: xml_10mb(g()), NOT_XML + r" \(a text or attribute is too long", heavy=True),
    ]
CATALOGUE += [
    E("nomenclature/import", "out-of-range date", lambda: nomenclature().replace(b'validFrom="2010-01-01"',
                                                                               b'validFrom="2010-13-45"', 1),
      r"is not a date"),
    E("feedback", "wrong type: state is text", lambda: feedback_xml().replace(b'state="true"', b'state="da"'),
      r"state"),
    E("previous/report", "out-of-range date", lambda: previous_report().replace(b'issueDate="2026-10-05"',
                                                                              b'issueDate="2026-10-45"', 1),
      r"issueDate"),
]

# Printer profiles and templates.
CATALOGUE += [
    E("profile/print", "empty file", lambda: b"", r"not valid JSON"),
    E("profile/print", "truncated file", lambda: truncated(profile_json()), r"not valid JSON"),
    E("profile/print", "wrong type (PNG behind .json)", png, NOT_UTF8),
    E("profile/print", "invalid UTF-8", lambda: invalid_utf8(profile_json()), NOT_UTF8),
    E("profile/print", "wrong type: offset is text", lambda: b'{"offset_x_mm": "doi"}', r"'offset_x_mm'"),
    E("profile/print", "out of range: offset 500 mm", lambda: b'{"offset_y_mm": 500}', r"'offset_y_mm'"),
    E("profile/print", "unknown field nudged", lambda: b'{"nudges": {"nume": {"x": 1}}}', r"does not have"),
    E("profile/print", "10 MB string", lambda: json_10mb_string(profile_json()), r"name|too long"),
    E("profile/print", "deep nesting", deep_json, r"nested too deeply|not valid JSON", heavy=True),
    E("template/blank", "empty file", lambda: b"", r"not valid JSON"),
    E("template/blank", "truncated file", lambda: truncated(template_json()), r"not valid JSON"),
    E("template/blank", "wrong type (PNG behind .json)", png, NOT_UTF8),
    E("template/blank", "invalid UTF-8", lambda: invalid_utf8(template_json()), NOT_UTF8),
    E("template/blank", "wrong type: fields is text", lambda: json.dumps(
        {**json.loads(template_json()), "fields": "none"}).encode(), r"fields"),
    E("template/blank", "field outside the page", lambda: template_json().replace(
        b'"x":', b'"x": 900, "_x":', 1), r"outside the page|_x"),
    E("template/blank", "valid JSON of the wrong schema (a record)", records_json, r"a template must be an object"),
    E("template/blank", "10 MB string", lambda: json_10mb_string(template_json()), r"file too large"),
    E("template/print", "wrong type: page size is text", lambda: json.dumps(
        {**json.loads(template_json()), "page": {"width_mm": "A4", "height_mm": 297}}).encode(), r"page"),
    E("template/print", "deep nesting", deep_json, r"nested too deeply|not valid JSON", heavy=True),
]

# PKCS#12 signing certificate, backups.
CATALOGUE += [
    E("pkcs12/report", "empty file", lambda: b"", r"PKCS#12"),
    E("pkcs12/report", "truncated file", lambda: truncated(pkcs12_file()), r"PKCS#12"),
    E("pkcs12/report", "wrong type (PNG behind .p12)", png, r"PKCS#12"),
    E("pkcs12/report", "wrong password", lambda: pkcs12_file(), r"wrong password", ),
    E("feedback-zip", "truncated file", lambda: truncated(_zip({"SICK_1_20261110_0900.xml": feedback_xml()})),
      r"not a valid ZIP archive"),
    E("feedback-zip", "corrupt compressed data", corrupt_zip, r"not a valid ZIP archive"),
    E("feedback-zip", "decompression bomb (entry declares 4 GB)", lambda: zip_declaring(0xFFFF0000),
      r"the archived file is too large"),
    E("feedback-zip", "empty archive", lambda: _zip({}), r"not a valid ZIP archive|contains no file"),
    E("feedback-zip", "two files in the archive", lambda: _zip({"a.xml": feedback_xml(), "b.xml": feedback_xml()}),
      r"more than one file"),
    E("feedback-zip", "valid XML of the wrong schema inside", lambda: _zip({"a.xml": nomenclature()}),
      r"not a SIUI sick-leave feedback"),
    E("backup/restore", "empty file", lambda: b"", r"not a readable formproc backup"),
    E("backup/restore", "truncated file", lambda: truncated(_backup()), r"not a readable formproc backup"),
    E("backup/restore", "wrong type (PNG behind .zip)", png, r"not a readable formproc backup"),
    E("backup/restore", "valid ZIP of the wrong schema", lambda: _zip({"manifest.json": b'{"format": "x"}'}),
      r"not a formproc backup"),
    E("backup/restore", "invalid UTF-8 manifest", lambda: _zip({"manifest.json": b'{"format": "\xff"}'}),
      r"not a readable formproc backup"),
]


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


@cache
def _backup() -> bytes:
    import tempfile

    from formproc.store import Store
    from formproc.store.backup import backup_bytes

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/b.sqlite3")
        store.register_booklet("CCMAT", "4512301", "ana")
        data = backup_bytes(store)
        store.close()
    return data


# --- the data folder every entry runs against: imported catalogs and a store with rows ------------

@pytest.fixture(scope="module")
def seeded_home(tmp_path_factory) -> Path:
    """A FORMPROC_HOME with imported SIUI catalogs, a provider and a store holding certificates."""
    home = tmp_path_factory.mktemp("seeded") / "home"
    env = {**os.environ, "FORMPROC_HOME": str(home)}
    env.pop("FORMPROC_DATABASE_URL", None)
    code = ("from formproc.catalogs.siui import import_file; from formproc.store import Store;"
            "from formproc.model import read_records; import sys;"
            "import_file(sys.argv[1]); import_file(sys.argv[2]); s = Store();"
            "s.register_booklet('CCMAT', '4512301', 'ana'); s.add_certificates(read_records(sys.argv[3]), 'ana');"
            "s.close()")
    subprocess.run([sys.executable, "-c", code, str(SAMPLES / "NomenclaturesCM.xml"),
                    str(SAMPLES / "PersonalizedFileCM.xml"), str(SAMPLES / "records.json")],
                   env=env, check=True, timeout=120)
    return home


def snapshot(home: Path) -> dict[str, str]:
    """What is stored: every file's hash (SQLite's WAL/SHM aside) and every table's rows."""
    files = {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(home.rglob("*")) if p.is_file() and not p.name.endswith(("-wal", "-shm"))}
    db = home / "formproc.sqlite3"
    if db.exists():
        from formproc.store import Store
        from formproc.store.backup import dump_tables

        store = Store(f"sqlite:///{db}", upgrade=False)
        files["tables"] = hashlib.sha256(json.dumps(dump_tables(store), sort_keys=True).encode()).hexdigest()
        store.close()
    return files


@pytest.fixture
def workspace(tmp_path, formproc_home, seeded_home):
    """good/ (valid companions), bad/ (the broken file) and out/ (where nothing may appear)."""
    shutil.rmtree(formproc_home, ignore_errors=True)
    shutil.copytree(seeded_home, formproc_home)
    catalogs.reload()
    good, bad, out = tmp_path / "good", tmp_path / "bad", tmp_path / "out"
    for d in (good, bad, out):
        d.mkdir()
    (good / "records.json").write_bytes(records_json())
    (good / "cert.json").write_text(json.dumps(one_record()))
    (good / "provider.json").write_bytes(provider_json())
    (good / "incomes.json").write_bytes(incomes_json())
    (good / "password.txt").write_bytes(PASSWORD + b"-wrong\n")
    return good, bad, out


def argv_for(entry: Entry, good: Path, bad: Path, out: Path) -> list[str]:
    name, template = COMMANDS[entry.command]
    path = bad / name
    path.write_bytes(entry.content())
    if entry.command == "pkcs12/report" and entry.problem != "wrong password":
        (good / "password.txt").write_bytes(PASSWORD + b"\n")
    return [a.format(bad=path, good=good, out=out) for a in template]


def check_message(entry: Entry, code: int, err: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, f"exit {code}, stderr: {err[:500]}"
    assert len(lines) == 1, f"expected one line on stderr, got: {err[:500]}"
    assert "Traceback" not in err and "internal error" not in err
    assert lines[0].startswith("formproc: ")
    assert len(lines[0]) < 600, "the message must not echo the input"
    assert re.search(entry.message, lines[0]), lines[0]


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e.id)
def test_bad_input_gets_one_clear_line_and_changes_nothing(entry, workspace, formproc_home, capsys):
    good, bad, out = workspace
    argv = argv_for(entry, good, bad, out)
    before = snapshot(formproc_home)
    started = time.monotonic()
    with pytest.raises(SystemExit) as exc:
        main(argv)
    elapsed = time.monotonic() - started
    _, err = capsys.readouterr()
    check_message(entry, exc.value.code, err)
    assert elapsed < 30
    assert list(out.iterdir()) == [], "an output (or temporary) file was left behind"
    assert snapshot(formproc_home) == before, "something stored changed"


HEAVY = [e for e in CATALOGUE if e.heavy]


@pytest.mark.parametrize("entry", HEAVY, ids=lambda e: e.id)
def test_dangerous_input_is_refused_by_the_real_cli_in_bounded_time(entry, workspace, formproc_home):
    good, bad, out = workspace
    argv = argv_for(entry, good, bad, out)
    env = {**os.environ, "FORMPROC_HOME": str(formproc_home)}
    proc = subprocess.run([sys.executable, "-m", "formproc.cli", *argv], capture_output=True, text=True,
                          env=env, timeout=60, cwd=out)
    check_message(entry, proc.returncode, proc.stderr)
    assert list(out.iterdir()) == []


def test_the_catalogue_covers_every_input_and_every_breakage():
    """Every command of COMMANDS has entries; every breakage of the issue appears."""
    assert {e.command for e in CATALOGUE} == set(COMMANDS)
    problems = " ".join(e.problem for e in CATALOGUE)
    for kind in ("empty file", "truncated file", "wrong type", "corrupt PDF", "encrypted PDF", "decompression bomb",
                 "1-pixel image", "20,000 x 20,000", "invalid UTF-8", "wrong XML namespace", "external entity",
                 "billion laughs", "external DTD", "wrong schema", "out-of-range date", "10 MB string"):
        assert kind in problems, kind


def test_reliability_doc_lists_every_entry():
    """docs/reliability.md has a row for every catalogue entry, under its command."""
    doc = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"<!-- (\S+) -->\n(.*?)(?=\n### |\n## )", doc, re.S))
    for entry in CATALOGUE:
        assert f"| {entry.problem} " in sections.get(entry.command, ""), entry.id


def _app_reader(command: str):
    """What the app does with an upload of this kind (ui/scanare.py, setari.py, feedback.py, raport.py)."""
    if command.startswith("scan/"):
        sys.path.insert(0, str(ROOT))
        from ui.scanning import read_uploads

        return lambda data, name: read_uploads([(name, data)], lambda *_: None)
    if command in ("nomenclature/import", "personalization/import"):
        from formproc.catalogs.siui import import_file

        def siui(data: bytes, name: str) -> None:  # the settings page saves the upload to a temporary folder
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / name
                path.write_bytes(data)
                import_file(str(path))
        return siui
    if command == "feedback":
        from formproc.report.feedback import parse_feedback

        return lambda data, name: parse_feedback(data, name)
    if command == "pkcs12/report":
        from formproc.report.package import load_signer

        return lambda data, name: load_signer(data, PASSWORD + b"-wrong", name)
    return None


APP_ENTRIES = [e for e in CATALOGUE if not e.heavy and e.command.split("/")[0] in
               ("scan", "nomenclature", "personalization", "feedback", "pkcs12") and e.command != "feedback-zip"]
ROMANIAN_WORDS = re.compile(r"nu este|fișier|imagine|prea |parolă|refuzat|imbricat|depășește|pagina|linia|"
                            r"câmpul|arhiv|PDF-ul|spațiul de nume|ilizibil|deteriorată")


@pytest.mark.parametrize("entry", APP_ENTRIES, ids=lambda e: e.id)
def test_app_upload_gets_a_romanian_message(entry, workspace, formproc_home):
    """The same bytes uploaded in the app are refused with a FormprocError, shown in Romanian.

    The bombs and huge images through the app: tests/test_security_runtime.py."""
    from formproc.errors import FormprocError, romanian

    before = snapshot(formproc_home)
    name = COMMANDS[entry.command][0]
    with pytest.raises(FormprocError) as exc:
        _app_reader(entry.command)(entry.content(), name)
    shown = romanian(str(exc.value))
    assert "\n" not in shown and ROMANIAN_WORDS.search(shown), shown
    assert snapshot(formproc_home) == before

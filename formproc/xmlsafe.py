"""Parsing untrusted XML: no entity expansion, no DTD loading, no network, bounded size."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from formproc.errors import InputError
from formproc.files import read_bytes

MAX_XML_BYTES = 100 * 1024 * 1024


def parser() -> etree.XMLParser:
    """The only XML parser formproc uses for data it did not write itself."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def parse_bytes(data: bytes, source: str = "XML") -> etree._Element:
    """The root element of an XML document; a DTD or entity declaration is refused outright."""
    if not data.strip():
        raise InputError(f"{source}: empty file, expected XML")
    try:
        tree = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        if "Resource limit exceeded" in (exc.msg or "") or "huge" in (exc.msg or "").lower():
            raise InputError(f"{source}: not well-formed XML (a text or attribute is too long: over "
                             "10,000,000 characters)") from None
        raise InputError(f"{source}: not well-formed XML ({' '.join((exc.msg or '').split())})") from None
    doc = tree.getroottree().docinfo
    if doc.internalDTD is not None or doc.externalDTD is not None or doc.doctype:
        raise InputError(f"{source}: XML with a DOCTYPE/entity declarations is refused")
    return tree


def parse_file(path: str | Path, limit: int = MAX_XML_BYTES) -> etree._Element:
    """Parse an untrusted XML file (see parse_bytes)."""
    return parse_bytes(read_bytes(path, limit), str(path))


def load_schema(path: str | Path) -> etree.XMLSchema:
    """An XML Schema from a trusted .xsd file (ours, or the official one in ../shared/cnas)."""
    return etree.XMLSchema(etree.parse(str(path), parser()))


def schema_from_text(text: str | bytes) -> etree.XMLSchema:
    """An XML Schema from XSD text that formproc itself holds."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return etree.XMLSchema(etree.fromstring(data, parser()))


def validate(root: etree._Element, schema: etree.XMLSchema, source: str = "XML") -> None:
    """Raise InputError naming the first schema violation."""
    if not schema.validate(root):
        err = schema.error_log.filter_from_errors()[0]
        raise InputError(f"{source}: line {err.line}: {redact(' '.join(err.message.split()))}")


def redact(message: str) -> str:
    """A schema error without the offending value (it may be a CNP or a name), at most 300 characters."""
    start = message.find("The value '")
    if start >= 0:  # the value runs to "' has a length", "' is not ...", or is cut off by libxml2
        rest = message[start + len("The value '"):]
        end = re.search(r"' (?=has |is |does )", rest)
        message = message[:start] + "The value" + (" " + rest[end.end():] if end else "")
    message = re.sub(r": '.*?' (?=is not a valid value)", ": the value ", message)
    return message if len(message) <= 300 else message[:297] + "..."

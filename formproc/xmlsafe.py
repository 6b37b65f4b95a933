"""Parsing untrusted XML: no entity expansion, no DTD loading, no network, bounded size."""

from __future__ import annotations

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
        raise InputError(f"{source}: not well-formed XML ({exc.msg})") from None
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
        raise InputError(f"{source}: line {err.line}: {err.message}")

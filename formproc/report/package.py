"""Packaging a report as SIUI wants it (Aplicații de raportare §5.4): name, CMS signature, ZIP, Base64.

- file name `SICK_{Cod}_{AAAALLZZ}_{OOMM}.xml` (Cod: the provider's CUI, else its provider code);
- CMS SignedData (RFC 5652) with the XML as encapsulated content, signed with the user's X.509
  certificate and key from a PKCS#12 file (SHA-256, certificate included);
- a ZIP archive with exactly one entry, named as above, holding the signed file (or the plain XML
  when the package is not signed, for users who sign elsewhere);
- Base64 of the ZIP for the web service's `reportXml` parameter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

from formproc.errors import InputError

REPORT_TYPE = "SICK"
MAX_ENTRY_BYTES = 200 * 1024 * 1024
_NAME = re.compile(r"^SICK_[0-9A-Za-z]{1,20}_\d{8}_\d{4}\.xml$")
_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def file_name(code: str, when: datetime) -> str:
    """`SICK_{Cod}_{AAAALLZZ}_{OOMM}.xml` for the moment of reporting."""
    clean = re.sub(r"[^0-9A-Za-z]", "", code.strip().upper())
    if re.fullmatch(r"RO\d+", clean):  # a VAT-style CUI: the file carries the bare fiscal code
        clean = clean[2:]
    if not clean or len(clean) > 20:
        raise InputError(f"provider code '{code}' cannot name a SIUI file (1-20 letters and digits)")
    return f"{REPORT_TYPE}_{clean}_{when:%Y%m%d}_{when:%H%M}.xml"


@dataclass(frozen=True)
class Signer:
    """The user's key and certificate (plus any chain certificates) from a PKCS#12 file."""

    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def load_signer(data: bytes, password: bytes | None, source: str = "PKCS#12") -> Signer:
    """The signer in a PKCS#12 file; a wrong password or a file without key/certificate is an InputError."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        raise InputError(f"{source}: cannot open the PKCS#12 file (wrong password or not PKCS#12)") from None
    if key is None or cert is None:
        raise InputError(f"{source}: the PKCS#12 file must hold a private key and its certificate")
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise InputError(f"{source}: only RSA or EC keys can sign a SIUI report")
    return Signer(key, cert, tuple(chain or ()))


def sign(content: bytes, signer: Signer) -> bytes:
    """CMS SignedData (DER) encapsulating `content`, signed with SHA-256."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content).add_signer(signer.certificate, signer.key,
                                                                          hashes.SHA256())
    for cert in signer.chain:
        builder = builder.add_certificate(cert)
    return builder.sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])


@dataclass(frozen=True)
class Verified:
    """The content of a valid CMS signature and the certificate that signed it."""

    content: bytes
    certificate: x509.Certificate


def verify(signed: bytes, source: str = "signature") -> Verified:
    """Check a CMS SignedData: content digest and signature by the included signer certificate.

    The certificate's chain of trust is not checked here (the CAS does that, with OCSP).
    """
    try:
        info = asn1_cms.ContentInfo.load(signed)
        if info["content_type"].native != "signed_data":
            raise InputError(f"{source}: not a CMS SignedData")
        data = info["content"]
        content = data["encap_content_info"]["content"].native
        signer_info = data["signer_infos"][0]
        sid = signer_info["sid"]
        certs = [c.chosen for c in data["certificates"] if c.name == "certificate"]
    except (ValueError, TypeError, KeyError, IndexError):
        raise InputError(f"{source}: not a valid CMS SignedData structure") from None
    if content is None:
        raise InputError(f"{source}: the signature does not contain the signed file")
    match = [c for c in certs if sid.name == "issuer_and_serial_number"
             and c.issuer == sid.chosen["issuer"] and c.serial_number == sid.chosen["serial_number"].native]
    if not match:
        raise InputError(f"{source}: the signer's certificate is not in the signature")
    cert = x509.load_der_x509_certificate(match[0].dump())
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _HASHES:
        raise InputError(f"{source}: unsupported digest algorithm {digest_name}")
    algorithm = _HASHES[digest_name]()
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs.native:
        digest = next((a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"), None)
        if digest != hashlib.new(digest_name, content).digest():
            raise InputError(f"{source}: the signed file was changed after signing")
        to_check = b"\x31" + signed_attrs.dump()[1:]
    else:
        to_check = content
    signature = signer_info["signature"].native
    public = cert.public_key()
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, to_check, padding.PKCS1v15(), algorithm)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, to_check, ec.ECDSA(algorithm))
        else:
            raise InputError(f"{source}: unsupported signer key type")
    except InvalidSignature:
        raise InputError(f"{source}: the signature is not valid") from None
    return Verified(content, cert)


def make_zip(name: str, content: bytes, when: datetime) -> bytes:
    """A ZIP archive with exactly one entry (deflated, stamped with `when`)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(name, date_time=(when.year, when.month, when.day, when.hour, when.minute,
                                                when.second))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        zf.writestr(info, content)
    return buf.getvalue()


def read_zip(data: bytes, source: str = "package") -> tuple[str, bytes]:
    """The single entry of a report ZIP (name, bytes); none, several or oversized is an InputError."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = [i for i in zf.infolist() if not i.is_dir()]
            if not entries:
                raise InputError(f"{source}: the archive contains no file")
            if len(entries) > 1:
                raise InputError(f"{source}: the archive contains more than one file")
            entry = entries[0]
            if entry.file_size > MAX_ENTRY_BYTES:
                raise InputError(f"{source}: the archived file is too large ({entry.file_size} bytes)")
            with zf.open(entry) as fh:
                content = fh.read(MAX_ENTRY_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error):
        raise InputError(f"{source}: not a valid ZIP archive") from None
    if len(content) > MAX_ENTRY_BYTES:
        raise InputError(f"{source}: the archived file is too large")
    return entry.filename, content


def to_base64(data: bytes) -> str:
    """Base64 text of the package, as the web service's reportXml parameter."""
    return base64.b64encode(data).decode("ascii")


def from_base64(text: str, source: str = "Base64") -> bytes:
    """Bytes of Base64 text; invalid text is an InputError."""
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{source}: not valid Base64") from None


@dataclass(frozen=True)
class Package:
    """A report packaged for SIUI: the ZIP's single entry name and the ZIP bytes."""

    name: str
    zip_bytes: bytes
    signed: bool

    @property
    def base64(self) -> str:
        """The ZIP in Base64, for sendReport."""
        return to_base64(self.zip_bytes)


def make_package(xml: bytes, code: str, when: datetime, signer: Signer | None = None) -> Package:
    """Name, sign (when a signer is given) and zip a report."""
    name = file_name(code, when)
    content = sign(xml, signer) if signer else xml
    return Package(name, make_zip(name, content, when), signer is not None)


@dataclass(frozen=True)
class Opened:
    """What a package holds: the entry name, the report XML and the signer (None when unsigned)."""

    name: str
    xml: bytes
    signer: x509.Certificate | None


def open_package(zip_bytes: bytes, source: str = "package") -> Opened:
    """Unzip a package and, when the entry is a CMS signature, verify it and take out the XML."""
    name, content = read_zip(zip_bytes, source)
    if not _NAME.match(name):
        raise InputError(f"{source}: entry '{name}' is not named SICK_{{Cod}}_{{AAAALLZZ}}_{{OOMM}}.xml")
    if content.lstrip()[:1] == b"<":
        return Opened(name, content, None)
    verified = verify(content, f"{source}: {name}")
    return Opened(name, verified.content, verified.certificate)

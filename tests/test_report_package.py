"""SIUI packaging: file name, CMS signature with a generated certificate, one-entry ZIP, Base64."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from formproc.errors import InputError
from formproc.report import package as pkg

XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<report xmlns="http://www.cnas.ro/siui/2.0" '
       'providerName="CMI Dr Popescu Ștefan"/>\n').encode()
WHEN = datetime(2025, 4, 10, 9, 30, 15)


def make_identity(key=None, cn: str = "Dr Popescu Maria"):
    """A self-signed certificate and key, as a user's PKCS#12 would hold them."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "RO")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, cert


def make_p12(password: bytes = b"parola-secreta", key=None) -> tuple[bytes, x509.Certificate]:
    key, cert = make_identity(key)
    data = pkcs12.serialize_key_and_certificates(b"user", key, cert, None,
                                                 serialization.BestAvailableEncryption(password))
    return data, cert


@pytest.fixture(scope="module")
def p12():
    return make_p12()


def test_file_name_follows_siui_convention():
    assert pkg.file_name("RO18547290", WHEN) == "SICK_18547290_20250410_0930.xml"
    assert pkg.file_name("MF0001", datetime(2026, 1, 2, 23, 5)) == "SICK_MF0001_20260102_2305.xml"
    with pytest.raises(InputError):
        pkg.file_name("---", WHEN)


def test_signed_zip_round_trip(p12):
    data, cert = p12
    signer = pkg.load_signer(data, b"parola-secreta")
    package = pkg.make_package(XML, "RO18547290", WHEN, signer)
    assert package.signed and package.name == "SICK_18547290_20250410_0930.xml"
    with zipfile.ZipFile(io.BytesIO(package.zip_bytes)) as zf:
        assert zf.namelist() == [package.name]
        signed = zf.read(package.name)
    assert signed != XML
    opened = pkg.open_package(pkg.from_base64(package.base64))
    assert opened.name == package.name
    assert opened.xml == XML
    assert opened.signer == cert


@pytest.mark.parametrize("curve_key", [False, True])
def test_signature_verifies_with_openssl(tmp_path, curve_key):
    """An independent CMS implementation accepts the signature and gives back the same XML."""
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command (Debian package openssl) is needed to cross-check CMS signatures"
    key = ec.generate_private_key(ec.SECP256R1()) if curve_key else None
    data, cert = make_p12(b"pw", key)
    signed = pkg.sign(XML, pkg.load_signer(data, b"pw"))
    (tmp_path / "sig.der").write_bytes(signed)
    (tmp_path / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run([openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "sig.der"),
                             "-CAfile", str(tmp_path / "ca.pem"), "-purpose", "any", "-out", str(tmp_path / "out.xml")],
                            capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "out.xml").read_bytes() == XML


def test_tampered_content_is_refused(p12):
    data, _ = p12
    signed = bytearray(pkg.sign(XML, pkg.load_signer(data, b"parola-secreta")))
    at = bytes(signed).index(b"Popescu")
    signed[at] = ord("X")
    with pytest.raises(InputError, match="changed after signing"):
        pkg.verify(bytes(signed))


def test_signature_of_another_content_is_refused(p12):
    """Swapping the encapsulated content for another of the same length breaks the digest."""
    data, _ = p12
    signed = pkg.sign(XML, pkg.load_signer(data, b"parola-secreta"))
    forged = signed.replace("Ștefan".encode(), b"Sxtefan")
    assert forged != signed and len(forged) == len(signed)
    with pytest.raises(InputError):
        pkg.verify(forged)


def test_wrong_password_and_bad_files(p12):
    data, _ = p12
    with pytest.raises(InputError, match="wrong password"):
        pkg.load_signer(data, b"alta")
    with pytest.raises(InputError):
        pkg.load_signer(b"not a pkcs12 file", b"x")
    with pytest.raises(InputError, match="CMS"):
        pkg.verify(b"\x30\x03\x02\x01\x01")


def test_unsigned_package_opens_without_signer():
    package = pkg.make_package(XML, "MF0001", WHEN)
    assert not package.signed
    opened = pkg.open_package(package.zip_bytes)
    assert opened.signer is None and opened.xml == XML


def test_zip_must_hold_exactly_one_file():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("SICK_1_20250101_0000.xml", XML)
        zf.writestr("other.xml", XML)
    with pytest.raises(InputError, match="more than one"):
        pkg.read_zip(buf.getvalue())
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    with pytest.raises(InputError, match="no file"):
        pkg.read_zip(empty.getvalue())
    with pytest.raises(InputError, match="ZIP"):
        pkg.read_zip(b"PK not really")


def test_entry_name_is_checked():
    with pytest.raises(InputError, match="SICK_"):
        pkg.open_package(pkg.make_zip("report.xml", XML, WHEN))


def test_base64_round_trip_and_garbage():
    package = pkg.make_package(XML, "MF0001", WHEN)
    assert pkg.from_base64(pkg.to_base64(package.zip_bytes)) == package.zip_bytes
    with pytest.raises(InputError):
        pkg.from_base64("not*base64")


def test_packaging_is_deterministic_for_the_same_moment():
    assert pkg.make_package(XML, "MF0001", WHEN).zip_bytes == pkg.make_package(XML, "MF0001", WHEN).zip_bytes

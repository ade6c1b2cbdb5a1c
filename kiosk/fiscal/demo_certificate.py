"""Throw-away signing identities for the demo, the benchmark and the tests: a fresh
RSA key and a self-signed certificate made at run time (never a real certificate,
never stored in the repository)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from kiosk.fiscal.certificate import SigningIdentity


def throwaway_identity(common_name: str = "Serviteca Demo S.A.S.", *, valid_from: datetime | None = None,
                       valid_days: int = 365, key_size: int = 2048) -> SigningIdentity:
    """A self-signed RSA identity, valid from ``valid_from`` (default: an hour ago)."""
    start = valid_from or datetime.now(timezone.utc) - timedelta(hours=1)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CO"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return SigningIdentity(key=key, certificate=cert)


def write_pkcs12(identity: SigningIdentity, p12_path: Path, password_file: Path, password: str) -> None:
    """Store the identity as a password-protected PKCS#12 file plus its password file."""
    data = pkcs12.serialize_key_and_certificates(
        b"firma", identity.key, identity.certificate, list(identity.chain) or None,
        serialization.BestAvailableEncryption(password.encode()))
    p12_path.write_bytes(data)
    password_file.write_text(password + "\n", encoding="utf-8")


def certificate_pem(identity: SigningIdentity) -> bytes:
    return identity.certificate.public_bytes(serialization.Encoding.PEM)

"""The signing certificate: a PKCS#12 file (from an ONAC-accredited issuer) and the
file holding its password. Loading checks what a technician can fix, each with its
own message: a missing or unreadable file, a file that is not PKCS#12, a wrong
password, a key that is not RSA, a certificate not valid yet (often the till's clock)
or expired. ``certificate_report`` gives the same checks as data for
``kiosk-admin config check`` and ``selftest``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from kiosk.core.fiscal import BOGOTA
from kiosk.fiscal import errors
from kiosk.i18n import N_

EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class SigningIdentity:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()  # issuers, as the PKCS#12 file carries them

    @property
    def subject(self) -> str:
        return subject_name(self.certificate)

    @property
    def certificates(self) -> tuple[x509.Certificate, ...]:
        return (self.certificate, *self.chain)


def subject_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


def _read(path: Path, error: type[errors.CertificateProblem], **params: object) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise error(path=str(path), reason=N_("the file does not exist"), **params) from None
    except PermissionError:
        raise error(path=str(path), reason=N_("permission denied"), **params) from None
    except IsADirectoryError:
        raise error(path=str(path), reason=N_("it is a folder, not a file"), **params) from None
    except OSError as exc:
        raise error(path=str(path), reason=exc.strerror or str(exc), **params) from None


def read_password(password_file: Path | str) -> bytes:
    """The password is the file's content without the final line break."""
    return _read(Path(password_file), errors.CertificatePasswordUnreadable).rstrip(b"\r\n")


def _looks_like_pkcs12(data: bytes) -> bool:
    """A DER PFX: SEQUENCE, then INTEGER version 3."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    length = data[1]
    at = 2 + (length & 0x7F if length & 0x80 else 0)
    return data[at:at + 3] == b"\x02\x01\x03"


def load_pkcs12(path: Path | str, password_file: Path | str) -> SigningIdentity:
    """Open the PKCS#12 file; no date check (see ``check_validity``)."""
    path = Path(path)
    data = _read(path, errors.CertificateUnreadable)
    password = read_password(password_file)
    if not _looks_like_pkcs12(data):
        raise errors.CertificateUnreadable(path=str(path), reason=N_("it is not a PKCS#12 (.p12/.pfx) file"))
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password or None)
    except ValueError as exc:
        if "password" in str(exc).lower():
            raise errors.CertificateWrongPassword(path=str(path), password_file=str(password_file)) from None
        raise errors.CertificateUnreadable(path=str(path), reason=N_("the PKCS#12 data is damaged")) from None
    if cert is None or key is None:
        raise errors.CertificateUnreadable(path=str(path), reason=N_("it holds no certificate with its private key"))
    if not isinstance(key, rsa.RSAPrivateKey):
        raise errors.CertificateKeyUnsupported(path=str(path))
    return SigningIdentity(key=key, certificate=cert, chain=tuple(extra or ()))


def check_validity(identity: SigningIdentity, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    cert = identity.certificate
    if now < cert.not_valid_before_utc:
        raise errors.CertificateNotYetValid(subject=identity.subject,
                                            date=cert.not_valid_before_utc.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M"))
    if now > cert.not_valid_after_utc:
        raise errors.CertificateExpired(subject=identity.subject,
                                        date=cert.not_valid_after_utc.astimezone(BOGOTA).strftime("%Y-%m-%d %H:%M"))


def load_signing_identity(path: Path | str, password_file: Path | str, now: datetime | None = None) -> SigningIdentity:
    identity = load_pkcs12(path, password_file)
    check_validity(identity, now)
    return identity


@dataclass(frozen=True)
class CertificateReport:
    ok: bool
    problem: str  # the translated message, empty when ok
    subject: str = ""
    issuer: str = ""
    serial: str = ""
    not_before: datetime | None = None
    not_after: datetime | None = None
    days_left: int | None = None

    @property
    def expires_soon(self) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= EXPIRY_WARNING_DAYS


def certificate_report(path: Path | str, password_file: Path | str, now: datetime | None = None) -> CertificateReport:
    """Every check, as data: never raises for a certificate problem."""
    now = now or datetime.now(timezone.utc)
    try:
        identity = load_pkcs12(path, password_file)
    except errors.CertificateProblem as exc:
        return CertificateReport(ok=False, problem=str(exc))
    cert = identity.certificate
    info = dict(subject=identity.subject, issuer=cert.issuer.rfc4514_string(), serial=str(cert.serial_number),
                not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
                days_left=(cert.not_valid_after_utc - now).days)
    try:
        check_validity(identity, now)
    except errors.CertificateProblem as exc:
        return CertificateReport(ok=False, problem=str(exc), **info)
    return CertificateReport(ok=True, problem="", **info)


def configured_certificate_problem(fiscal_on: bool, p12: Path | None, password_file: Path | None,
                                   now: datetime | None = None) -> tuple[str, str] | None:
    """For ``config check`` and ``selftest``: None when there is nothing to check (the
    fiscal profile is off); else (result, text) with result "pass", "fail" (the
    certificate is unreadable, expired or not yet valid: documents wait) or "skip"
    (no certificate configured yet: documents wait for it)."""
    if not fiscal_on:
        return None
    if p12 is None or password_file is None:
        return "skip", "no signing certificate configured ([dian] certificate, certificate_password_file): " \
                       "fiscal documents wait and are not sent to DIAN"
    report = certificate_report(p12, password_file, now)
    if not report.ok:
        return "fail", report.problem + " (fiscal documents wait and are not sent to DIAN)"
    text = f"{report.subject}, valid until {report.not_after:%Y-%m-%d} ({report.days_left} days left)"
    if report.expires_soon:
        text += ": order its renewal"
    return "pass", text

"""Errors of the electronic engine: schemas, certificates, signatures. Messages are
for the technician (``config check``, ``selftest``, the log) and translated."""

from __future__ import annotations

from kiosk.core.fiscal_errors import FiscalError
from kiosk.i18n import N_


class SchemaUnavailable(FiscalError):
    code = "fiscal_schema_unavailable"
    template = N_("The UBL 2.1 schemas were not found ({where}): set [dian] schema_dir or KIOSK_UBL_XSD_DIR.")


class DocumentNotValid(FiscalError):
    code = "fiscal_schema_invalid"
    template = N_("Document {document} does not follow the UBL 2.1 schema: {errors}")


class CertificateProblem(FiscalError):
    code = "fiscal_certificate"
    template = N_("The signing certificate cannot be used.")


class CertificateUnreadable(CertificateProblem):
    code = "fiscal_certificate_unreadable"
    template = N_("The signing certificate {path} cannot be read: {reason}")
    translated_params = ("reason",)


class CertificatePasswordUnreadable(CertificateProblem):
    code = "fiscal_certificate_password_unreadable"
    template = N_("The certificate's password file {path} cannot be read: {reason}")
    translated_params = ("reason",)


class CertificateWrongPassword(CertificateProblem):
    code = "fiscal_certificate_password"
    template = N_("The password in {password_file} does not open the signing certificate {path}.")


class CertificateExpired(CertificateProblem):
    code = "fiscal_certificate_expired"
    template = N_("The signing certificate of {subject} expired on {date}: install the renewed certificate.")


class CertificateNotYetValid(CertificateProblem):
    code = "fiscal_certificate_not_yet_valid"
    template = N_("The signing certificate of {subject} is valid only from {date}: check the till's clock.")


class CertificateKeyUnsupported(CertificateProblem):
    code = "fiscal_certificate_key"
    template = N_("The signing certificate {path} must hold an RSA private key (DIAN signs with RSA-SHA256).")


class SignatureInvalid(FiscalError):
    code = "fiscal_signature_invalid"
    template = N_("The signature does not verify: {reason}")

"""Customers as DIAN's documents need them, pure: identification types, how a typed
or scanned number is cleaned, the NIT check digit (python-stdnum, through
kiosk.core.fiscal's check), and the one validator the Clientes screen, the checkout's
quick form, ``kiosk-admin customers add`` and the CSV import share.

Every problem carries ``key`` (the field and CSV column) so a form can mark the
field and an import report can name the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kiosk.core.errors import DomainError
from kiosk.core.fiscal import CONSUMIDOR_FINAL_ID, ID_TYPE_LABELS, IdType, check_nit, nit_check_digit
from kiosk.core.fiscal_errors import InvalidCheckDigit
from kiosk.core.fiscal_shop_errors import CustomerFieldInvalid, ReservedCustomerId, UnknownIdType
from kiosk.core.text import fold
from kiosk.i18n import N_, translate

# DIAN's responsibilities (TaxLevelCode) a buyer may have; R-99-PN: "no aplica".
RESPONSIBILITIES = ("O-13", "O-15", "O-23", "O-47", "R-99-PN")
PERSONS = ("legal", "natural")

# CSV columns, in the export's order (also the form's field keys).
COLUMNS = ("id_type", "id_number", "dv", "person", "name", "email", "phone", "address", "city_code",
           "responsibilities", "active")
REQUIRED_COLUMNS = ("id_type", "id_number", "name")

FIELD_LABELS = {
    "id_type": N_("ID type"),
    "id_number": N_("ID number"),
    "dv": N_("Check digit"),
    "person": N_("Person"),
    "name": N_("Name or company name"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "city_code": N_("City (DANE code)"),
    "responsibilities": N_("Tax responsibilities"),
    "active": N_("Active"),
}

ID_TYPE_NAMES = {
    IdType.CEDULA: N_("Citizenship ID (CC)"),
    IdType.NIT: N_("NIT"),
    IdType.CEDULA_EXTRANJERIA: N_("Foreigner ID (CE)"),
    IdType.PASSPORT: N_("Passport"),
    IdType.TARJETA_IDENTIDAD: N_("Identity card (TI)"),
    IdType.FOREIGN_ID: N_("Foreign ID"),
}

PERSON_LABELS = {"legal": N_("Legal person (company)"), "natural": N_("Natural person")}

# Besides DIAN's codes, what people type: "CC", "nit", "pasaporte" ...
_ID_TYPE_WORDS = {
    "cc": IdType.CEDULA, "cedula": IdType.CEDULA, "nit": IdType.NIT, "ce": IdType.CEDULA_EXTRANJERIA,
    "pasaporte": IdType.PASSPORT, "passport": IdType.PASSPORT, "pa": IdType.PASSPORT, "pp": IdType.PASSPORT,
    "ti": IdType.TARJETA_IDENTIDAD, "foreign": IdType.FOREIGN_ID, "extranjero": IdType.FOREIGN_ID,
    "die": IdType.FOREIGN_ID,
}

# Digits only and how many, or letters and digits (passports, foreign ids).
_NUMBER_RULES: dict[IdType, tuple[bool, int, int]] = {
    IdType.CEDULA: (True, 3, 10),
    IdType.NIT: (True, 5, 10),
    IdType.CEDULA_EXTRANJERIA: (True, 3, 10),
    IdType.TARJETA_IDENTIDAD: (True, 6, 11),
    IdType.PASSPORT: (False, 3, 20),
    IdType.FOREIGN_ID: (False, 3, 20),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+() .\-]{7,32}$")
_DANE = re.compile(r"^\d{5}$")
_SEPARATORS = re.compile(r"[\s.\-_/]")


def id_type_label(id_type: IdType | str, language: str | None = None) -> str:
    """The short label printed before a number: "CC", "NIT", "Pasaporte" ..."""
    return translate(ID_TYPE_LABELS[IdType(id_type)], language)


def parse_id_type(text: str) -> IdType:
    """DIAN's code ("13", "31" ...) or a usual abbreviation ("CC", "NIT", "pasaporte")."""
    t = fold(text.strip()).replace(".", "")
    try:
        return IdType(t)
    except ValueError:
        pass
    if t in _ID_TYPE_WORDS:
        return _ID_TYPE_WORDS[t]
    raise UnknownIdType(code=text.strip() or "-", key="id_type")


def clean_number(id_type: IdType, raw: str) -> tuple[str, str]:
    """A typed or scanned number without dots, dashes or spaces, upper-case; for a NIT
    written with its check digit ("900.373.076-4") the number and that digit."""
    text = raw.strip().upper()
    if id_type is IdType.NIT:
        m = re.fullmatch(r"([\d.\s]+)-\s*(\d)", text)
        if m:
            return _SEPARATORS.sub("", m.group(1)), m.group(2)
    return _SEPARATORS.sub("", text), ""


@dataclass(frozen=True)
class CustomerDraft:
    """What is typed in a form or a CSV row, before it is stored."""

    id_type: IdType
    id_number: str
    name: str
    dv: str = ""  # NIT only; empty: computed
    person: str = ""  # legal | natural; empty: legal for a NIT, natural otherwise
    email: str = ""
    phone: str = ""
    address: str = ""
    city_code: str = ""
    responsibilities: tuple[str, ...] = ("R-99-PN",)
    active: bool = True

    @property
    def identification(self) -> str:
        return f"{self.id_number}-{self.dv}" if self.dv else self.id_number


def _bad(key: str, reason: str, **params: object) -> CustomerFieldInvalid:
    return CustomerFieldInvalid(field=FIELD_LABELS[key], reason=reason, key=key, **params)


def normalized(d: CustomerDraft) -> CustomerDraft:
    """Trimmed text, the number cleaned, the person defaulted (the check digit is
    left as given: ``customer_problems`` checks it, ``completed`` fills it)."""
    number, dv_in_number = clean_number(d.id_type, d.id_number)
    dv = d.dv.strip() or dv_in_number
    person = d.person.strip().lower() or ("legal" if d.id_type is IdType.NIT else "natural")
    codes = tuple(dict.fromkeys(c.strip().upper() for c in d.responsibilities if c.strip())) or ("R-99-PN",)
    return replace(d, id_number=number, dv=dv if d.id_type is IdType.NIT else d.dv.strip(), name=" ".join(d.name.split()),
                   person=person, email=d.email.strip(), phone=d.phone.strip(), address=d.address.strip(),
                   city_code=d.city_code.strip(), responsibilities=codes)


def customer_problems(d: CustomerDraft) -> list[DomainError]:
    """Every problem of a (normalized) draft on its own, no database: empty when it can be stored."""
    out: list[DomainError] = []
    digits_only, shortest, longest = _NUMBER_RULES[d.id_type]
    number = d.id_number
    if not number:
        out.append(_bad("id_number", N_("is required")))
    elif number == CONSUMIDOR_FINAL_ID:
        out.append(ReservedCustomerId(number=number, key="id_number"))
    elif digits_only and not number.isdigit():
        out.append(_bad("id_number", N_("digits only for {id_type}"), id_type=id_type_label(d.id_type)))
    elif not (number.isascii() and number.isalnum()):
        out.append(_bad("id_number", N_("letters and digits only")))
    elif not shortest <= len(number) <= longest:
        out.append(_bad("id_number", N_("{id_type} numbers have {shortest} to {longest} characters"),
                        id_type=id_type_label(d.id_type), shortest=shortest, longest=longest))
    if d.id_type is IdType.NIT:
        if d.dv and not (len(d.dv) == 1 and d.dv.isdigit()):
            out.append(_bad("dv", N_("one digit")))
        elif d.dv and number.isdigit() and not out:
            try:
                check_nit(number, d.dv, N_("customer"))
            except InvalidCheckDigit as err:
                err.params["key"] = "dv"
                out.append(err)
    elif d.dv:
        out.append(_bad("dv", N_("only a NIT has a check digit")))
    if not d.name:
        out.append(_bad("name", N_("is required")))
    elif len(d.name) > 200:
        out.append(_bad("name", N_("at most {count} characters"), count=200))
    if d.person not in PERSONS:
        out.append(_bad("person", N_("legal or natural")))
    elif d.person == "legal" and d.id_type is not IdType.NIT:
        out.append(_bad("person", N_("a company is identified by its NIT")))
    if d.email and (len(d.email) > 120 or not _EMAIL.match(d.email)):
        out.append(_bad("email", N_("is not an e-mail address")))
    if d.phone and not _PHONE.match(d.phone):
        out.append(_bad("phone", N_("digits, spaces and + ( ) - only")))
    if len(d.address) > 200:
        out.append(_bad("address", N_("at most {count} characters"), count=200))
    if d.city_code and not _DANE.match(d.city_code):
        out.append(_bad("city_code", N_("the DANE code of the municipality, 5 digits (Bogotá 11001)")))
    unknown = [c for c in d.responsibilities if c not in RESPONSIBILITIES]
    if unknown:
        out.append(_bad("responsibilities", N_("{code} is not one of DIAN's codes ({codes})"), code=unknown[0],
                        codes=", ".join(RESPONSIBILITIES)))
    elif len(";".join(d.responsibilities)) > 64:
        out.append(_bad("responsibilities", N_("too many codes")))
    return out


def completed(d: CustomerDraft) -> CustomerDraft:
    """A valid draft with the NIT's check digit filled in when it was left out."""
    if d.id_type is IdType.NIT and not d.dv:
        return replace(d, dv=nit_check_digit(d.id_number))
    return d


def validate(d: CustomerDraft) -> CustomerDraft:
    """The draft as it is stored; raises its first problem."""
    d = normalized(d)
    problems = customer_problems(d)
    if problems:
        raise problems[0]
    return completed(d)


@dataclass(frozen=True)
class CustomerInfo:
    id: int
    uuid: str
    id_type: IdType
    id_number: str
    dv: str
    person: str
    name: str
    email: str = ""
    phone: str = ""
    address: str = ""
    city_code: str = ""
    responsibilities: tuple[str, ...] = ("R-99-PN",)
    active: bool = True

    @property
    def identification(self) -> str:
        """"900373076-4" for a NIT, the number otherwise."""
        return f"{self.id_number}-{self.dv}" if self.dv else self.id_number

    def label(self, language: str | None = None) -> str:
        """"Transportes Andinos S.A. - NIT 860069804-2"."""
        return f"{self.name} - {id_type_label(self.id_type, language)} {self.identification}"

    def draft(self) -> CustomerDraft:
        return CustomerDraft(id_type=self.id_type, id_number=self.id_number, name=self.name, dv=self.dv,
                             person=self.person, email=self.email, phone=self.phone, address=self.address,
                             city_code=self.city_code, responsibilities=self.responsibilities, active=self.active)

"""DIAN numbering resolutions, pure: which resolution numbers a till's next document
of a kind, why none can, whether a new one may be added, and what to warn managers
about. The database side (taking the number in the document's transaction) is
kiosk/services/numbering.py.

A resolution authorises one prefix and a range of consecutive numbers for one till
and kind of document, between two dates. Numbers are used in order with no gap; the
next one is the last used + 1 (or the first of the range).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from kiosk.core.fiscal_shop_errors import NumberingUnavailable, OverlappingRange, ResolutionInvalid
from kiosk.i18n import N_, translate

MAX_NUMBER = 2**53  # SQLite integers and JSON both hold it exactly


class NumberingKind(StrEnum):
    POS = "pos"  # documento equivalente electrónico POS
    INVOICE = "invoice"  # factura electrónica de venta
    CREDIT = "credit"  # notas de ajuste and credit notes
    CONTINGENCY = "contingency"  # POS documents while DIAN cannot be reached


KIND_LABELS = {
    NumberingKind.POS: N_("POS document"),
    NumberingKind.INVOICE: N_("electronic invoice"),
    NumberingKind.CREDIT: N_("credit note"),
    NumberingKind.CONTINGENCY: N_("contingency POS document"),
}

# Kinds a till with the fiscal profile on must be able to number (contingency only
# matters once a contingency range is configured).
REQUIRED_KINDS = (NumberingKind.POS, NumberingKind.INVOICE, NumberingKind.CREDIT)


def kind_label(kind: NumberingKind | str, language: str | None = None) -> str:
    return translate(KIND_LABELS[NumberingKind(kind)], language)


@dataclass(frozen=True)
class ResolutionDraft:
    """What a manager types to add a resolution."""

    kind: NumberingKind
    resolution: str
    resolution_date: date
    prefix: str
    range_from: int
    range_to: int
    valid_from: date
    valid_to: date
    technical_key: str = ""


@dataclass(frozen=True)
class Resolution:
    """A stored resolution and how far it has been used."""

    id: int
    till_id: int
    kind: NumberingKind
    resolution: str
    resolution_date: date
    prefix: str
    range_from: int
    range_to: int
    valid_from: date
    valid_to: date
    technical_key: str
    active: bool
    last_used: int | None  # highest number issued, None: none yet
    issued: int = 0  # documents numbered by it

    @property
    def next_number(self) -> int:
        return self.range_from if self.last_used is None else self.last_used + 1

    @property
    def remaining(self) -> int:
        return max(self.range_to - self.next_number + 1, 0)

    def days_left(self, today: date) -> int:
        """Days the resolution stays valid after today (0: today is its last day)."""
        return (self.valid_to - today).days

    def state(self, today: date) -> str:
        """active | exhausted | expired | future | inactive"""
        if not self.active:
            return "inactive"
        if self.remaining == 0:
            return "exhausted"
        if today > self.valid_to:
            return "expired"
        if today < self.valid_from:
            return "future"
        return "active"

    def usable_on(self, day: date) -> bool:
        return self.state(day) == "active"

    def overlaps(self, prefix: str, first: int, last: int) -> bool:
        return self.prefix.upper() == prefix.upper() and first <= self.range_to and self.range_from <= last


STATE_LABELS = {
    "active": N_("in use"),
    "exhausted": N_("no numbers left"),
    "expired": N_("expired"),
    "future": N_("not valid yet"),
    "inactive": N_("deactivated"),
}


def choose(resolutions: Iterable[Resolution], kind: NumberingKind, day: date) -> Resolution | None:
    """The resolution that numbers the next document of ``kind`` on ``day``: of those
    valid that day with numbers left, the one that started first (an older range is
    used up before a newer one)."""
    usable = [r for r in resolutions if r.kind == kind and r.usable_on(day)]
    return min(usable, key=lambda r: (r.valid_from, r.range_from, r.id), default=None)


def unavailable(resolutions: Iterable[Resolution], kind: NumberingKind, day: date) -> NumberingUnavailable:
    """Why no resolution can number a document of ``kind`` on ``day``."""
    label = KIND_LABELS[kind]
    mine = [r for r in resolutions if r.kind == kind and r.active]
    if not mine:
        return NumberingUnavailable(kind=label, reason=N_("there is no resolution for it."))
    with_numbers = [r for r in mine if r.remaining]
    if not with_numbers:
        return NumberingUnavailable(kind=label, reason=N_("every range is used up."))
    later = [r for r in with_numbers if r.valid_from > day]
    if later:
        return NumberingUnavailable(kind=label, reason=N_("the next resolution is only valid from {date}."),
                                    date=min(r.valid_from for r in later).isoformat())
    return NumberingUnavailable(kind=label, reason=N_("its resolution expired on {date}."),
                                date=max(r.valid_to for r in with_numbers).isoformat())


def draft_problems(d: ResolutionDraft) -> list[ResolutionInvalid]:
    """Every problem of a resolution on its own (no database)."""
    out: list[ResolutionInvalid] = []

    def bad(key: str, field: str, reason: str) -> None:
        out.append(ResolutionInvalid(field=field, reason=reason, key=key))

    if not (d.resolution.strip() and d.resolution.strip().isalnum() and len(d.resolution.strip()) <= 32):
        bad("resolution", N_("Resolution number"), N_("letters and digits as DIAN wrote it (at most 32)"))
    if not (1 <= len(d.prefix) <= 4 and d.prefix.isascii() and d.prefix.isalnum()):
        bad("prefix", N_("Prefix"), N_("1 to 4 letters or digits"))
    if not 0 <= d.range_from <= MAX_NUMBER or not 0 <= d.range_to <= MAX_NUMBER:
        out.append(ResolutionInvalid(field=N_("Range"), reason=N_("numbers must be between 0 and {max}"),
                                     max=MAX_NUMBER, key="range"))
    elif d.range_to < d.range_from:
        bad("range", N_("Range"), N_("the last number is before the first"))
    if d.valid_to < d.valid_from:
        bad("valid_to", N_("Valid until"), N_("is before the first valid day"))
    if d.resolution_date > d.valid_from:
        bad("resolution_date", N_("Resolution date"), N_("is after the first valid day"))
    if d.kind is NumberingKind.INVOICE and not d.technical_key.strip():
        bad("technical_key", N_("Technical key"), N_("an invoice range needs it (DIAN gives it with the range)"))
    return out


def check_overlap(d: ResolutionDraft, existing: Sequence[Resolution]) -> None:
    """Refuse a range whose numbers (same prefix) another resolution that is active
    or has numbered documents already covers: the same document number would exist
    twice."""
    for r in existing:
        if (r.active or r.issued) and r.overlaps(d.prefix, d.range_from, d.range_to):
            raise OverlappingRange(prefix=d.prefix.upper(), first=d.range_from, last=d.range_to,
                                   resolution=r.resolution, kind=KIND_LABELS[r.kind], other_first=r.range_from,
                                   other_last=r.range_to)


@dataclass(frozen=True)
class NumberingWarning:
    kind: NumberingKind
    level: str  # "error": cannot issue now | "warning": running out soon
    code: str  # none | unavailable | few_numbers | expiring
    text: str  # in the language asked for

    def as_dict(self) -> dict:
        return {"kind": self.kind.value, "level": self.level, "code": self.code, "text": self.text}


def warnings(resolutions: Sequence[Resolution], day: date, *, warn_remaining: int, warn_days: int,
             language: str | None = None) -> list[NumberingWarning]:
    """What managers must be told about each kind the till needs: no valid numbering
    today (error), or fewer numbers / days left than the thresholds across the
    resolutions still to use (warning)."""
    out: list[NumberingWarning] = []
    kinds = list(REQUIRED_KINDS)
    if any(r.kind is NumberingKind.CONTINGENCY and r.active for r in resolutions):
        kinds.append(NumberingKind.CONTINGENCY)
    for kind in kinds:
        label = kind_label(kind, language)
        if choose(resolutions, kind, day) is None:
            out.append(NumberingWarning(kind, "error", "unavailable",
                                        unavailable(resolutions, kind, day).message(language)))
            continue
        ahead = [r for r in resolutions if r.kind == kind and r.active and r.remaining and r.valid_to >= day]
        left = sum(r.remaining for r in ahead)
        last_day = max(r.valid_to for r in ahead)
        if left < warn_remaining:
            out.append(NumberingWarning(kind, "warning", "few_numbers", translate(
                N_("Only {count} numbers left for the {kind}: ask DIAN for a new range."), language)
                .format(count=left, kind=label)))
        days = (last_day - day).days
        if days < warn_days:
            out.append(NumberingWarning(kind, "warning", "expiring", translate(
                N_("The numbering for the {kind} expires on {date} ({days} days): ask DIAN for a new resolution."),
                language).format(kind=label, date=last_day.isoformat(), days=days)))
    return out

"""DIAN numbering resolutions per till and kind of document: adding them (checked,
never overlapping), listing them with what is left, warnings for managers, and
taking the next number inside the document's own transaction.

Numbers are gap-free per resolution: the next one is read under the write lock that
the sale's (or return's) ``BEGIN IMMEDIATE`` took, as the highest number the
resolution's documents carry + 1, and the document is written in that same
transaction. Documents are never deleted, so a number once used stays used, and a
transaction that fails writes neither the document nor its number. The rules
themselves are pure (kiosk/core/numbering.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy import Connection

from db.engine import Database
from db.models import LOCAL_TILL_ID, NumberingResolution, utcnow
from kiosk.core.fiscal_shop_errors import ResolutionNotFound
from kiosk.core.numbering import (
    STATE_LABELS,
    NumberingKind,
    NumberingWarning,
    Resolution,
    ResolutionDraft,
    check_overlap,
    choose,
    draft_problems,
    unavailable,
    warnings,
)
from kiosk.formatting import to_local
from kiosk.i18n import translate
from kiosk.services.users import Role, UserInfo, UserService

MANAGE_ROLE = Role.MANAGER  # adding or deactivating a resolution needs a manager or admin

# Every resolution of a till with its use, read with plain SQL so the same query
# serves a read session and the document's write transaction.
_RESOLUTIONS_SQL = """
    SELECT r.id, r.till_id, r.kind, r.resolution, r.resolution_date, r.prefix, r.range_from, r.range_to,
           r.valid_from, r.valid_to, r.technical_key, r.active,
           (SELECT MAX(d.number) FROM fiscal_documents d WHERE d.numbering_id = r.id) AS last_used,
           EXISTS (SELECT 1 FROM fiscal_documents d WHERE d.numbering_id = r.id) AS issued
    FROM numbering_resolutions r"""


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _resolution(row: Sequence) -> Resolution:
    (rid, till, kind, number, rdate, prefix, first, last, vfrom, vto, key, active, last_used, issued) = row
    return Resolution(id=rid, till_id=till, kind=NumberingKind(kind), resolution=number, resolution_date=_day(rdate),
                      prefix=prefix, range_from=first, range_to=last, valid_from=_day(vfrom), valid_to=_day(vto),
                      technical_key=key, active=bool(active), last_used=last_used, issued=bool(issued))


def read_resolutions(conn: Connection, *, till_id: int | None = None, kind: NumberingKind | None = None,
                     resolution_id: int | None = None) -> list[Resolution]:
    where, params = [], {}
    if till_id is not None:
        where.append("r.till_id = :till")
        params["till"] = till_id
    if kind is not None:
        where.append("r.kind = :kind")
        params["kind"] = kind.value
    if resolution_id is not None:
        where.append("r.id = :id")
        params["id"] = resolution_id
    sql = _RESOLUTIONS_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.kind, r.valid_from, r.id"
    return [_resolution(r) for r in conn.exec_driver_sql(sql, params)]


def local_today(clock: Callable[[], datetime] = utcnow) -> date:
    return to_local(clock()).date()


class NumberingService:
    def __init__(self, db: Database, *, till_id: int = LOCAL_TILL_ID, warn_remaining: int = 100,
                 warn_days: int = 30, clock: Callable[[], datetime] = utcnow):
        self.db = db
        self.till_id = till_id
        self.warn_remaining = warn_remaining
        self.warn_days = warn_days
        self.clock = clock

    def today(self) -> date:
        return local_today(self.clock)

    # --- reading -----------------------------------------------------------------
    def resolutions(self, kind: NumberingKind | None = None, *, include_inactive: bool = True,
                    all_tills: bool = False) -> list[Resolution]:
        with self.db.read() as s:
            found = read_resolutions(s.connection(), till_id=None if all_tills else self.till_id, kind=kind)
        return [r for r in found if include_inactive or r.active]

    def get(self, resolution_id: int) -> Resolution:
        with self.db.read() as s:
            found = read_resolutions(s.connection(), resolution_id=resolution_id)
        if not found:
            raise ResolutionNotFound(what=str(resolution_id))
        return found[0]

    def find(self, text: str) -> Resolution:
        """A resolution by id, by DIAN's resolution number or by prefix (this till's;
        the newest when several match)."""
        text = text.strip()
        if text.isdigit():
            with self.db.read() as s:
                by_id = read_resolutions(s.connection(), resolution_id=int(text))
            if by_id and by_id[0].till_id == self.till_id:
                return by_id[0]
        matches = [r for r in self.resolutions() if text in (r.resolution, r.prefix) or text.upper() == r.prefix]
        if not matches:
            raise ResolutionNotFound(what=text)
        return max(matches, key=lambda r: (r.valid_from, r.id))

    def current(self, kind: NumberingKind, day: date | None = None) -> Resolution:
        """The resolution that numbers this till's next document of ``kind``; raises
        NumberingUnavailable (saying why) when none can."""
        day = day or self.today()
        mine = self.resolutions(kind)
        chosen = choose(mine, kind, day)
        if chosen is None:
            raise unavailable(mine, kind, day)
        return chosen

    def warnings(self, day: date | None = None, language: str | None = None) -> list[NumberingWarning]:
        return warnings(self.resolutions(), day or self.today(), warn_remaining=self.warn_remaining,
                        warn_days=self.warn_days, language=language)

    # --- the document's transaction -------------------------------------------------
    def take(self, conn: Connection, kind: NumberingKind, day: date) -> tuple[Resolution, int]:
        """Inside the document's write transaction: the resolution and the number the
        document gets. Raises NumberingUnavailable (the caller's transaction then
        rolls back: no document, no number used)."""
        mine = read_resolutions(conn, till_id=self.till_id, kind=kind)
        chosen = choose(mine, kind, day)
        if chosen is None:
            raise unavailable(mine, kind, day)
        return chosen, chosen.next_number

    # --- changes -----------------------------------------------------------------------
    def add(self, draft: ResolutionDraft, by: UserInfo) -> Resolution:
        """Add a resolution for this till. Raises the first problem: a field that is
        not right (ResolutionInvalid) or numbers another resolution with the same
        prefix already covers (OverlappingRange)."""
        UserService.require(by, MANAGE_ROLE)
        draft = ResolutionDraft(kind=NumberingKind(draft.kind), resolution=draft.resolution.strip(),
                                resolution_date=draft.resolution_date, prefix=draft.prefix.strip().upper(),
                                range_from=draft.range_from, range_to=draft.range_to, valid_from=draft.valid_from,
                                valid_to=draft.valid_to, technical_key=draft.technical_key.strip())
        problems = draft_problems(draft)
        if problems:
            raise problems[0]
        with self.db.write() as s:
            check_overlap(draft, read_resolutions(s.connection()))
            row = NumberingResolution(till_id=self.till_id, kind=draft.kind.value, resolution=draft.resolution,
                                      resolution_date=draft.resolution_date, prefix=draft.prefix,
                                      range_from=draft.range_from, range_to=draft.range_to,
                                      valid_from=draft.valid_from, valid_to=draft.valid_to,
                                      technical_key=draft.technical_key, created_by=by.id)
            s.add(row)
            s.flush()
            rid = row.id
        return self.get(rid)

    def set_active(self, resolution_id: int, active: bool, by: UserInfo) -> Resolution:
        """Switch a resolution off (a mistyped one, or one DIAN withdrew) or on again
        (checked for overlaps like a new one)."""
        UserService.require(by, MANAGE_ROLE)
        with self.db.write() as s:
            row = s.get(NumberingResolution, resolution_id)
            if row is None or row.till_id != self.till_id:
                raise ResolutionNotFound(what=str(resolution_id))
            if active and not row.active:
                others = [r for r in read_resolutions(s.connection()) if r.id != resolution_id]
                check_overlap(ResolutionDraft(NumberingKind(row.kind), row.resolution, row.resolution_date,
                                              row.prefix, row.range_from, row.range_to, row.valid_from,
                                              row.valid_to, row.technical_key), others)
            row.active = active
        return self.get(resolution_id)


def state_label(r: Resolution, today: date, language: str | None = None) -> str:
    return translate(STATE_LABELS[r.state(today)], language)

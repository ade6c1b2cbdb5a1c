"""What ``kiosk-admin sync status`` and ``kiosk-admin status`` say about the shop
server: registered or not, reachable, documents waiting (how many sales) and since
when, the last push and pull, the last error."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from db.engine import Database
from db.models import SyncLink, utcnow
from kiosk.i18n import format_time, ngettext


@dataclass(frozen=True)
class SyncStatus:
    registered: bool
    server: str | None = None
    till_id: int | None = None
    till_name: str | None = None
    waiting: int = 0
    waiting_sales: int = 0
    oldest_waiting_at: datetime | None = None
    oldest_waiting_age_s: int | None = None
    last_push_at: datetime | None = None
    last_pull_at: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    reachable: bool | None = None  # None: not checked
    reachable_error: str = ""

    def as_dict(self) -> dict:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, datetime):
                d[k] = v.isoformat()
        return d


def sync_status(db: Database, state_dir: Path | None = None, *, probe: bool = False) -> SyncStatus:
    with db.read() as s:
        link = s.get(SyncLink, 1)
        if link is None:
            return SyncStatus(registered=False)
        waiting, sales, oldest = s.execute(text(
            "SELECT count(*), coalesce(sum(kind = 'sale'), 0), min(created_at) FROM sync_outbox "
            "WHERE sent_at IS NULL")).one()
    oldest_at = datetime.fromisoformat(oldest) if isinstance(oldest, str) else oldest
    reachable, why = None, ""
    if probe and state_dir is not None:
        reachable, why = probe_server(state_dir)
    return SyncStatus(
        registered=True, server=link.server, till_id=link.server_till_id, till_name=link.till_name,
        waiting=waiting, waiting_sales=sales, oldest_waiting_at=oldest_at,
        oldest_waiting_age_s=int((utcnow() - oldest_at).total_seconds()) if oldest_at else None,
        last_push_at=link.last_push_at, last_pull_at=link.last_pull_at, last_error=link.last_error,
        last_error_at=link.last_error_at, reachable=reachable, reachable_error=why)


def probe_server(state_dir: Path) -> tuple[bool, str]:
    """Can this till log in to its server now (``SELECT 1`` with its own role)?"""
    from sqlalchemy import text as sql

    from db.server.admin import explain, make_server_engine
    from kiosk.services.sync_link import NotRegistered, read_credentials

    try:
        creds = read_credentials(state_dir)
    except NotRegistered as exc:
        return False, str(exc)
    engine = make_server_engine(creds.url, connect_timeout=5)
    try:
        with engine.connect() as conn:
            conn.execute(sql("SELECT 1"))
        return True, ""
    except Exception as exc:  # noqa: BLE001
        return False, explain(exc, creds.url)
    finally:
        engine.dispose()


def waiting_text(status: SyncStatus) -> str:
    """"3 ventas sin enviar desde 10:42" (the shop's time), or "" when nothing waits."""
    if not status.registered or not status.waiting:
        return ""
    from kiosk.formatting import to_local

    since = format_time(to_local(status.oldest_waiting_at))
    if status.waiting_sales:
        return ngettext("{n} sale not sent since {time}", "{n} sales not sent since {time}",
                        status.waiting_sales).format(n=status.waiting_sales, time=since)
    return ngettext("{n} document not sent since {time}", "{n} documents not sent since {time}",
                    status.waiting).format(n=status.waiting, time=since)


def unsent_line(db: Database, after_s: int) -> str:
    """The selling screen's line: ``waiting_text`` once the oldest waiting document is
    ``after_s`` seconds old, else "" (and "" on a till without a server). One query on
    the outbox's partial index of waiting rows; call it off the UI thread."""
    st = sync_status(db)
    if not st.waiting or (st.oldest_waiting_age_s or 0) < after_s:
        return ""
    return waiting_text(st)

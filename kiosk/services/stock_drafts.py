"""Counts and deliveries in progress, kept in the database line by line.

A stock count can take an hour of scanning shelves; the kiosk may be restarted, or
the power cut, in the middle. Each change to a sheet is written at once (one small
transaction), and opening the count or delivery screen again resumes it. Applying a
sheet writes its lines in short transactions, each deleting the draft lines it
wrote (the last one deletes the draft), so a sheet is never applied twice and one
cut short by a crash is finished from its remaining lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import StockDraft, StockDraftLine
from kiosk.core.catalog import ProductRef
from kiosk.core.inventory_errors import SheetBeingApplied
from kiosk.core.stock_sheets import CountLine, CountSheet, DeliveryLine, DeliverySheet
from kiosk.services.pacing import HOLD_S, Pacer

Sheet = CountSheet | DeliverySheet
SQL_TIME = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime format, for plain SQL
_UPSERT_LINE = ("INSERT INTO stock_draft_lines(draft_id, product_id, quantity, expected, unit_cost)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(draft_id, product_id) DO UPDATE SET"
                " quantity = excluded.quantity, expected = excluded.expected, unit_cost = excluded.unit_cost")


def kind_of(sheet: Sheet) -> str:
    return "count" if isinstance(sheet, CountSheet) else "delivery"


def forget(s: Session, kind: str) -> None:
    """Delete the draft of this kind inside the caller's transaction (not one being
    applied: that one goes when its last line is written)."""
    s.execute(delete(StockDraft).where(StockDraft.kind == kind, StockDraft.applying_by.is_(None)))


class StockDrafts:
    def __init__(self, db: Database):
        self.db = db

    def _draft(self, s: Session, sheet: Sheet) -> StockDraft:
        draft = s.scalar(select(StockDraft).where(StockDraft.kind == kind_of(sheet)))
        if draft is not None and draft.applying_by is not None:
            raise SheetBeingApplied()
        if draft is None:
            draft = StockDraft(kind=kind_of(sheet), started_at=sheet.started_at)
            s.add(draft)
        draft.reference = getattr(sheet, "reference", "")
        s.flush()
        return draft

    def save_line(self, sheet: Sheet, product_id: int) -> None:
        """Store one line as it now is in the sheet (gone from the sheet: deleted)."""
        line = sheet.line(product_id)
        with self.db.write() as s:
            draft = self._draft(s, sheet)
            row = s.scalar(select(StockDraftLine).where(StockDraftLine.draft_id == draft.id,
                                                        StockDraftLine.product_id == product_id))
            if line is None:
                if row is not None:
                    s.delete(row)
                return
            if row is None:
                row = StockDraftLine(draft_id=draft.id, product_id=product_id)
                s.add(row)
            if isinstance(line, CountLine):
                row.quantity, row.expected = line.counted, line.expected
            else:
                row.quantity, row.unit_cost = line.quantity, line.unit_cost

    def save_reference(self, sheet: DeliverySheet) -> None:
        with self.db.write() as s:
            self._draft(s, sheet)

    def in_progress(self) -> dict[str, int]:
        """{"count": lines, "delivery": lines} for the sheets left open."""
        with self.db.read() as s:
            rows = s.execute(select(StockDraft.kind, func.count(StockDraftLine.id))
                             .where(StockDraft.applying_by.is_(None))
                             .join(StockDraftLine, isouter=True).group_by(StockDraft.kind)).all()
        return {kind: n for kind, n in rows if n}

    def mark_applying(self, kind: str, lines: list[tuple[int, int, int | None, int | None]], reference: str,
                      user_id: int, now: datetime, started_at: datetime | None, *, hold_s: float = HOLD_S) -> None:
        """Store a sheet's lines (product, quantity, expected, unit cost) as its draft,
        in paced transactions (the draft may be new, or hold the lines saved while
        scanning), then mark it as being applied by ``user_id``: from that commit the
        sheet will be written even if the kiosk stops (see StockService)."""
        with self.db.write() as s:
            draft = s.scalar(select(StockDraft).where(StockDraft.kind == kind))
            if draft is not None and draft.applying_by is not None:
                raise SheetBeingApplied()
            if draft is None:
                draft = StockDraft(kind=kind, started_at=started_at or now, reference="")
                s.add(draft)
                s.flush()
            draft_id = draft.id
        pacer = Pacer(hold_s=hold_s)
        rows = [(draft_id, pid, quantity, expected, cost) for pid, quantity, expected, cost in lines]
        done = 0
        while done < len(rows):
            chunk = rows[done:done + pacer.size]
            t0 = time.perf_counter()
            with self.db.write() as s:
                s.connection().exec_driver_sql(_UPSERT_LINE, chunk)
            pacer.held(len(chunk), time.perf_counter() - t0)
            done += len(chunk)
            pacer.pause()
        wanted = {pid for pid, *_rest in lines}
        with self.db.write() as s:
            conn = s.connection()
            stale = [(draft_id, pid) for (pid,) in conn.exec_driver_sql(
                "SELECT product_id FROM stock_draft_lines WHERE draft_id = ?", (draft_id,)) if pid not in wanted]
            if stale:  # lines removed from the sheet but still in the draft
                conn.exec_driver_sql("DELETE FROM stock_draft_lines WHERE draft_id = ? AND product_id = ?", stale)
            conn.exec_driver_sql("UPDATE stock_drafts SET reference = ?, applying_by = ?, applying_at = ?"
                                 " WHERE id = ?", (reference, user_id, now.strftime(SQL_TIME), draft_id))

    def applying(self) -> list[str]:
        """Kinds of sheet being applied (left so by a crash, or being written now)."""
        with self.db.read() as s:
            return list(s.scalars(select(StockDraft.kind).where(StockDraft.applying_by.is_not(None))))

    def discard(self, kind: str) -> None:
        with self.db.write() as s:
            forget(s, kind)

    def load(self, kind: str, product: Callable[[int], ProductRef | None]) -> Sheet | None:
        """The stored sheet of this kind, or None. ``product(id)`` gives a product's
        current ProductRef; a count line keeps the stock expected when it was counted."""
        with self.db.read() as s:
            draft = s.scalar(select(StockDraft).where(StockDraft.kind == kind))
            if draft is None or draft.applying_by is not None:
                return None
            started_at: datetime = draft.started_at
            reference = draft.reference
            rows = [(r.product_id, r.quantity, r.expected, r.unit_cost) for r in draft.lines]
        refs: list[tuple[ProductRef, int, int | None, int | None]] = []
        for product_id, quantity, expected, unit_cost in rows:
            ref = product(product_id)
            if ref is not None:
                refs.append((ref, quantity, expected, unit_cost))
        if kind == "count":
            return CountSheet(started_at, [CountLine(replace(ref, stock=expected if expected is not None
                                                             else ref.stock), quantity)
                                           for ref, quantity, expected, _cost in refs])
        return DeliverySheet(reference, [DeliveryLine(ref, quantity, cost) for ref, quantity, _e, cost in refs],
                             started_at=started_at)

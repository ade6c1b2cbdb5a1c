"""Counts and deliveries in progress, kept in the database line by line.

A stock count can take an hour of scanning shelves; the kiosk may be restarted, or
the power cut, in the middle. Each change to a sheet is written at once (one small
transaction), and opening the count or delivery screen again resumes it. Applying a
sheet deletes its draft in the same transaction as the stock movements, so a sheet
can never be applied twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import StockDraft, StockDraftLine
from kiosk.core.catalog import ProductRef
from kiosk.core.stock_sheets import CountLine, CountSheet, DeliveryLine, DeliverySheet

Sheet = CountSheet | DeliverySheet


def kind_of(sheet: Sheet) -> str:
    return "count" if isinstance(sheet, CountSheet) else "delivery"


def forget(s: Session, kind: str) -> None:
    """Delete the draft of this kind inside the caller's transaction."""
    s.execute(delete(StockDraft).where(StockDraft.kind == kind))


class StockDrafts:
    def __init__(self, db: Database):
        self.db = db

    def _draft(self, s: Session, sheet: Sheet) -> StockDraft:
        draft = s.scalar(select(StockDraft).where(StockDraft.kind == kind_of(sheet)))
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
                             .join(StockDraftLine, isouter=True).group_by(StockDraft.kind)).all()
        return {kind: n for kind, n in rows if n}

    def discard(self, kind: str) -> None:
        with self.db.write() as s:
            forget(s, kind)

    def load(self, kind: str, product: Callable[[int], ProductRef | None]) -> Sheet | None:
        """The stored sheet of this kind, or None. ``product(id)`` gives a product's
        current ProductRef; a count line keeps the stock expected when it was counted."""
        with self.db.read() as s:
            draft = s.scalar(select(StockDraft).where(StockDraft.kind == kind))
            if draft is None:
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

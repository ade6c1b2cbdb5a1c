"""Property: over random sales, returns and voids, each resolution's numbers are
consecutive from its first number, with no gap and no repeat, and every document
reported as committed survives - across SIGKILLs at random moments."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

import pytest

from kiosk.app_factory import build
from kiosk.core.customers import CustomerDraft
from kiosk.core.fiscal import IdType
from kiosk.core.numbering import NumberingKind, ResolutionDraft
from tests.fiscal_shop.shop import TECHNICAL_KEY, add_resolutions, fiscal_settings, load_serviteca
from tests.invariants import check_invariants
from tests.power_cut import reported as reported_lines, run_until_killed

KILLS = 20


def check_fiscal_invariants(db) -> dict[tuple[str, int], int]:  # noqa: ANN001
    """Every resolution numbered 1, 2, 3 ... from its first number; one document per
    sale; credit notes never more than was sold. Returns (prefix, number) -> doc id."""
    conn = db.raw_connection()
    try:
        by_range = defaultdict(list)
        documents = {}
        for rid, first, prefix, number, doc_id in conn.execute(
                "SELECT r.id, r.range_from, d.prefix, d.number, d.id FROM fiscal_documents d "
                "JOIN numbering_resolutions r ON r.id = d.numbering_id ORDER BY d.id"):
            by_range[(rid, first)].append(number)
            assert (prefix, number) not in documents, f"{prefix}{number} issued twice"
            documents[(prefix, number)] = doc_id
        for (rid, first), numbers in by_range.items():
            assert numbers == list(range(first, first + len(numbers))), f"resolution {rid}: {numbers[:30]}"
        orphans = conn.execute("""
            SELECT s.number FROM sales s WHERE (SELECT COUNT(*) FROM fiscal_documents d
                WHERE d.sale_id = s.id AND d.corrects_id IS NULL) != 1""").fetchall()
        assert not orphans, f"sales without exactly one fiscal document: {orphans[:5]}"
        over = conn.execute("""
            SELECT o.id, l.sale_line_id FROM fiscal_documents o
            JOIN fiscal_document_lines ol ON ol.document_id = o.id
            JOIN fiscal_document_lines l ON l.sale_line_id = ol.sale_line_id
            JOIN fiscal_documents n ON n.id = l.document_id AND n.corrects_id = o.id
            GROUP BY o.id, l.sale_line_id, ol.quantity, ol.line_total
            HAVING SUM(l.quantity) > ol.quantity OR SUM(l.line_total) > ol.line_total""").fetchall()
        assert not over, f"credited more than was sold: {over[:5]}"
        mismatched = conn.execute("""
            SELECT d.id FROM fiscal_documents d WHERE d.total !=
                (SELECT COALESCE(SUM(line_total), 0) FROM fiscal_document_lines l WHERE l.document_id = d.id)
            OR (d.corrects_id IS NULL AND d.total != (SELECT total FROM sales s WHERE s.id = d.sale_id))""").fetchall()
        assert not mismatched, f"documents whose lines do not add up: {mismatched[:5]}"
        return documents
    finally:
        conn.close()


@pytest.mark.slow
def test_numbers_stay_consecutive_across_power_cuts(state_dir):
    app = build(fiscal_settings(state_dir))
    boss = app.users.authenticate("000000")
    load_serviteca(app, boss)
    today = app.numbering.today()
    # a small first POS range, so that the next resolution takes over during the run
    app.numbering.add(ResolutionDraft(NumberingKind.POS, "18764000000001", today - timedelta(days=30), "CJ1", 1, 40,
                                      today - timedelta(days=30), today + timedelta(days=700)), boss)
    app.numbering.add(ResolutionDraft(NumberingKind.POS, "18764000000002", today - timedelta(days=1), "CJ1", 41,
                                      900_000, today - timedelta(days=1), today + timedelta(days=700)), boss)
    add_resolutions(app, boss, kinds=(NumberingKind.INVOICE, NumberingKind.CREDIT))
    for number, name in (("860069804", "Transportes Andinos S.A."), ("900544472", "Flota del Sur S.A.S.")):
        app.customers.add(CustomerDraft(IdType.NIT, number, name), boss)
    app.close()
    assert TECHNICAL_KEY
    rng = random.Random(4321)
    reported: set[tuple[str, int]] = set()
    for kill in range(KILLS):
        out = run_until_killed("tests/fiscal_shop/fiscal_worker.py", state_dir, kill, rng.uniform(0.3, 1.2))
        for prefix, number in reported_lines(out, r"(\S+) (\d+)"):
            reported.add((prefix, int(number)))
        reopened = build(fiscal_settings(state_dir))
        check_invariants(reopened.db)
        documents = check_fiscal_invariants(reopened.db)
        lost = reported - set(documents)
        assert not lost, f"documents reported as committed were lost: {sorted(lost)[:5]}"
        reopened.close()
    prefixes = {p for p, _ in reported}
    assert prefixes == {"CJ1", "FE1", "NC1"}, prefixes  # sales, invoices and credit notes were all made
    assert ("CJ1", 41) in reported  # the second POS resolution took over from the first

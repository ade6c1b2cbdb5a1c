"""The selling screen's hot reads are served by indexes (issue 18): the grid by name
(all products or one category, any page), the category chips' counts, and the
low-stock badge's count after every sale. Checked with EXPLAIN QUERY PLAN on the
statements the services run, never by timing."""

from sqlalchemy import event


def _plans(app, run):  # noqa: ANN001, ANN202
    """The query plan of every SELECT ``run()`` sends to the database."""
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(app.db.engine, "before_cursor_execute", seen)
    try:
        run()
    finally:
        event.remove(app.db.engine, "before_cursor_execute", seen)
    raw = app.db.raw_connection()
    try:
        return [" | ".join(r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + sql, params))
                for sql, params in statements]
    finally:
        raw.close()


def test_the_name_sorted_grid_reads_the_name_index_in_order(demo_app):
    for kwargs in ({}, {"offset": 40}):
        plans = _plans(demo_app, lambda kw=kwargs: demo_app.catalog.search("", limit=40, **kw))
        assert plans and all("ix_products_active_name" in p and "TEMP B-TREE" not in p for p in plans), plans


def test_one_category_s_grid_reads_its_index_in_order(demo_app):
    category = demo_app.catalog.categories()[0]
    plans = _plans(demo_app, lambda: demo_app.catalog.search("", limit=40, category_id=category.id))
    assert plans and all("ix_products_active_category_name" in p and "TEMP B-TREE" not in p for p in plans), plans


def test_category_counts_come_from_a_covering_index(demo_app):
    plans = _plans(demo_app, lambda: demo_app.catalog.categories())
    assert any("COVERING INDEX ix_products_active_category_name" in p for p in plans), plans
    assert not any("SCAN products" in p and "COVERING" not in p for p in plans), plans


def test_the_low_stock_count_reads_only_the_partial_index(demo_app):
    plans = _plans(demo_app, demo_app.stock.low_stock_count)
    assert plans == [p for p in plans if "COVERING INDEX ix_products_low_stock" in p] and plans, plans


def test_the_low_stock_index_holds_exactly_the_low_products(demo_app):
    raw = demo_app.db.raw_connection()
    try:
        indexed = {r[0] for r in raw.execute("SELECT id FROM products INDEXED BY ix_products_low_stock "
                                             "WHERE active = 1 AND sale_mode != 'service' AND low_stock > 0 "
                                             "AND stock <= low_stock")}
        every = {r[0] for r in raw.execute("SELECT id FROM products NOT INDEXED WHERE active AND sale_mode != "
                                           "'service' AND low_stock > 0 AND stock <= low_stock")}
    finally:
        raw.close()
    assert indexed == every
    assert len(every) == demo_app.stock.low_stock_count() == len(demo_app.stock.low_stock())

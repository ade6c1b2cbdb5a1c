"""Reports across tills: the shop's day read from a real PostgreSQL server equals the
sum of the tills' own daily reports; only a reader's role may read every till's
documents (a till's own role reads none)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from db.server.admin import ServerError, add_reader, group_role, report_role
from kiosk.cli.main import main
from kiosk.formatting import local_today
from kiosk.services.shop_report import NoReportAccess, ShopReports, reader_url, save_reader_url
from kiosk.services.sync_link import read_credentials
from kiosk.services.sync_push import push
from tests.sync.tills import SKUS, registered_tills, sell

COMPARED = ("sales_count", "gross", "tax", "voids_count", "voids_total", "returns", "net", "sessions",
            "cash_difference")


@pytest.fixture
def two_tills(server_url, tmp_path):
    # the shop's catalog published: the report's categories come from it
    with registered_tills(tmp_path, server_url, publish=True) as tills:
        yield tills


def _a_day(till, sales: int, sku: str, *, cash_in: int, void: bool, close: bool) -> None:
    """A till's day: open, ``sales`` card sales, a cash movement, maybe a void, a return, maybe closed (Z)."""
    admin = till.users.authenticate(till.settings.security.default_admin_pin)
    till.sessions.open(admin, amount=10000)
    ids = sell(till, sales, sku)
    till.sessions.cash_movement(admin, "in", cash_in, "Cambio")
    with till.db.read() as s:
        numbers = [s.execute(text("SELECT number FROM sales WHERE id = :i"), {"i": i}).scalar() for i in ids]
    if void:
        till.returns.void(admin, numbers[0], "Error de cobro")
    till.returns.make_return(admin, numbers[-1], [(1, 1)], "damaged")  # returns count from the Z reports
    if close:
        till.sessions.close(admin, counted=10000 + cash_in + 50, note="Sobrante de prueba")


def test_all_tills_equals_the_sum_of_each_tills_own_daily_report(two_tills, server_url, tmp_path, monkeypatch):
    a, b = two_tills
    _a_day(a, 3, SKUS[0], cash_in=700, void=True, close=True)
    _a_day(b, 2, SKUS[1], cash_in=300, void=False, close=False)
    for till in two_tills:
        assert push(till.db, till.state_dir).ok
    today = local_today()
    own = [till.reports.build(today).summary for till in two_tills]
    reader = add_reader(server_url, "gerente")
    shop = ShopReports(reader).build(today)
    for key in COMPARED:
        assert shop.summary[key] == own[0][key] + own[1][key], key
    assert shop.summary["voids_count"] == 1 and shop.summary["sessions"] == 1 and shop.summary["returns"] > 0
    rows = {r[0]: r for r in shop.tables["tills"].rows}
    assert set(rows) == {"Caja 1", "Caja 2"}
    cols = [c.key for c in shop.tables["tills"].columns]
    for name, summary in (("Caja 1", own[0]), ("Caja 2", own[1])):
        row = dict(zip(cols, rows[name], strict=True))
        assert (row["sales_count"], row["gross"], row["tax"], row["net"]) == \
            (summary["sales_count"], summary["gross"], summary["tax"], summary["net"])
    assert rows["Caja 1"][cols.index("cash_in")] == 700 and rows["Caja 2"][cols.index("cash_in")] == 300
    pay_own: dict[str, int] = {}
    for till in two_tills:
        for method, _count, amount in till.reports.build(today).tables["sales_by_payment"].rows:
            pay_own[method] = pay_own.get(method, 0) + amount
    assert {m: amt for m, _c, amt in shop.tables["sales_by_payment"].rows} == pay_own
    assert len(shop.tables["cash_movements"].rows) == 2
    # sales by category: the lines' SKUs looked up in the shop's catalog on the server
    cat_own: dict[str, list[int]] = {}
    for till in two_tills:
        for category, lines, total in till.reports.build(today).tables["sales_by_category"].rows:
            cat_own.setdefault(category, [0, 0])
            cat_own[category][0] += lines
            cat_own[category][1] += total
    assert {c: [n, t] for c, n, t in shop.tables["sales_by_category"].rows} == cat_own
    assert "-" not in cat_own

    # the same through the CLI, on any machine (--server), as files in the same formats
    out = tmp_path / "out"
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "nowhere"))
    assert main(["report", "daily", "--all-tills", "--server", reader, "--dir", str(out), "--json"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"report-all-tills-{today.isoformat()}{ext}" for ext in (".csv.zip", ".pdf", ".xlsx")]


def test_all_tills_on_a_till_uses_its_saved_readers_login(two_tills, server_url, capsys):
    a, b = two_tills
    _a_day(a, 1, SKUS[0], cash_in=100, void=False, close=False)
    _a_day(b, 1, SKUS[1], cash_in=100, void=False, close=False)
    for till in two_tills:
        assert push(till.db, till.state_dir).ok
    with pytest.raises(NoReportAccess, match="server reader"):
        reader_url(a.state_dir)
    save_reader_url(a.state_dir, add_reader(server_url, "caja1"))
    assert (a.state_dir / "report-server.json").stat().st_mode & 0o777 == 0o600
    today = ShopReports(reader_url(a.state_dir)).today()
    assert set(today.tills) == {"Caja 1", "Caja 2"} and today.count == 2
    assert today.total == sum(t.figures["gross"] for t in today.tills.values()) > 0


def test_a_tills_own_role_reads_no_document_and_a_reader_reads_all(two_tills, server_url):
    a, b = two_tills
    sell(a, 1)
    sell(b, 1)
    for till in two_tills:
        assert push(till.db, till.state_dir).ok
    till_url = read_credentials(a.state_dir).url
    with psycopg.connect(till_url) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT count(*) FROM documents")
    with pytest.raises(NoReportAccess, match="refused"):
        ShopReports(till_url).build(local_today())
    reader = add_reader(server_url, "gerente")
    with psycopg.connect(reader) as conn:
        tills = conn.execute("SELECT count(DISTINCT till_id) FROM documents").fetchone()[0]
        assert tills == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO documents (uuid, till_id, kind, created_at, payload) "
                         "VALUES ('x', 1, 'sale', now(), '{}')")
    with psycopg.connect(server_url) as conn:
        members = {r[0] for r in conn.execute(
            "SELECT m.rolname FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid "
            "JOIN pg_roles m ON m.oid = am.member WHERE g.rolname = %s", (report_role(server_url.rsplit('/', 1)[1]),))}
        assert any(r.endswith("_reader_gerente") for r in members)
        assert group_role(server_url.rsplit("/", 1)[1]) not in members


def test_bad_input_for_reports_across_tills_is_refused_in_words(server_url, tmp_path, capsys, monkeypatch):
    with pytest.raises(ServerError, match="reader's name"):
        add_reader(server_url, "no spaces allowed")
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "st"))
    assert main(["report", "daily", "--server", server_url]) != 0
    assert "--server goes with --all-tills" in capsys.readouterr().err
    assert main(["report", "daily", "--all-tills", "--server", "mysql://x@y/z"]) != 0
    assert "not a PostgreSQL URL" in capsys.readouterr().err
    dead = server_url.rsplit("@", 1)[0] + "@127.0.0.1:1/nothing"
    assert main(["report", "daily", "--all-tills", "--server", dead, "--dir", str(tmp_path)]) != 0
    assert "cannot be reached" in capsys.readouterr().err
    assert not list(tmp_path.glob("report-all-tills-*"))


def test_a_bad_unsent_threshold_is_named_in_the_configuration_error(tmp_path):
    from kiosk.config import ConfigError, load_settings

    p = tmp_path / "kiosk.toml"
    p.write_text('[till]\nunsent_after_min = -5\n')
    with pytest.raises(ConfigError) as err:
        load_settings(p, env={"HOME": str(tmp_path)})
    assert "[till] unsent_after_min" in str(err.value)

"""Helpers for the staff-screen tests: typing on the on-screen keyboard like a
person (shift, the 123 page), a "USB stick" folder with real pictures and CSV files,
and reading the ledger straight from the database file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PIL import Image

from kiosk.i18n import _
from kiosk.ui.widgets import DIGIT_ROWS


def type_on(ui, keyboard, text: str) -> None:  # noqa: ANN001
    """Tap each character on a TextKeyboard: letters in the case given (the shift
    key for capitals), digits and signs from the 123 page."""
    for ch in text:
        if ch == " ":
            ui.tap(ui.find_text(_("Space"), keyboard), settle=0)
            continue
        symbol = any(ch in row for row in DIGIT_ROWS)
        if keyboard.digits != symbol:
            ui.tap(ui.find_text("ABC" if keyboard.digits else "123", keyboard), settle=1)
        if ch.isalpha() and not symbol:
            want_upper = ch.isupper()
            while (keyboard.shift != "off") != want_upper:
                ui.tap(keyboard.ids.shift_key, settle=1)
            ui.tap(ui.find_text(ch.upper(), keyboard), settle=0)
        else:
            ui.tap(ui.find_text(ch, keyboard), settle=0)
    ui.frames(2)


def make_stick(folder: Path) -> dict[str, Path]:
    """A folder standing in for a USB stick: two real photos (JPEG and PNG), a
    sub-folder, a file that only pretends to be a picture."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = folder / "detergente-mar.jpg"
    img = Image.new("RGB", (800, 600), (20, 110, 190))
    img.paste((240, 240, 255), (250, 100, 550, 500))
    img.save(jpeg, quality=88)
    png = folder / "esponja.png"
    Image.new("RGBA", (300, 400), (250, 200, 0, 255)).save(png)
    (folder / "fotos viejas").mkdir(exist_ok=True)
    Image.new("RGB", (200, 200), (120, 30, 30)).save(folder / "fotos viejas" / "balde.jpg")
    fake = folder / "no-es-foto.jpg"
    fake.write_bytes(b"this is not a picture")
    return {"jpeg": jpeg, "png": png, "fake": fake}


def ledger_rows(state_dir: Path, sku: str) -> list[tuple]:
    db = sqlite3.connect(state_dir / "kiosk.db")
    try:
        return db.execute("""
            SELECT m.reason, m.detail, m.quantity, m.unit_cost, u.name, m.reference
            FROM stock_movements m JOIN products p ON p.id = m.product_id LEFT JOIN users u ON u.id = m.user_id
            WHERE p.sku = ? ORDER BY m.id""", (sku,)).fetchall()
    finally:
        db.close()


def tap_in(ui, scroll, widget) -> None:  # noqa: ANN001
    """Bring a widget of a scrolled form into view (what a swipe does), then tap it."""
    scroll.scroll_to(widget, padding=10, animate=False)
    ui.frames(3)
    ui.tap(widget)


def write_csvs(folder: Path) -> dict[str, Path]:
    """A CSV that imports cleanly and one with a wrong row among right ones."""
    good = folder / "nuevos.csv"
    good.write_text("sku;name;brand;category;sale_mode;unit;price;cost;tax_rate;stock;low_stock\n"
                    "BAL-10;Balde 10 L;Plastix;Accesorios;unidad;unidad;4,50;2,10;19;12;3\n"
                    "TRA-01;Trapeador de algodón;Plastix;Accesorios;unidad;unidad;3,80;1,70;19;8;2\n",
                    encoding="utf-8")
    bad = folder / "con-errores.csv"
    bad.write_text("sku;name;price;unit;stock\n"
                   "BAL-20;Balde 20 L;7,90;unidad;5\n"
                   "BAL-30;Balde 30 L;abc;unidad;5\n"
                   ";Sin código;1,00;unidad;\n"
                   "DET-LAV;Detergente líquido lavanda;3,20;kilo;\n", encoding="utf-8")
    return {"good": good, "bad": bad}


def audit_rows(state_dir: Path) -> list[tuple]:
    """(act, user, authorised by, subject) of every audit row, oldest first."""
    db = sqlite3.connect(state_dir / "kiosk.db")
    try:
        return db.execute("SELECT a.act, u.name, m.name, a.subject FROM audit_log a "
                          "LEFT JOIN users u ON u.id = a.user_id LEFT JOIN users m ON m.id = a.authorised_by "
                          "ORDER BY a.id").fetchall()
    finally:
        db.close()

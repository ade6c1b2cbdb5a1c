"""Large synthetic catalogs for benchmarks: realistic Spanish product names with
accents, brands, categories and valid EAN-13 barcodes, written with executemany."""

from __future__ import annotations

import random
import sqlite3

from db.models import SQL_NEW_UUID
from kiosk.core.barcodes import gtin_check_digit
from kiosk.core.text import fold

TYPES = ["Detergente", "Jabón", "Suavizante", "Limpiador", "Desinfectante", "Cloro", "Lavaloza",
         "Esponja", "Cepillo", "Guantes", "Bolsa", "Ambientador", "Cera", "Quitamanchas",
         "Limpiavidrios", "Desengrasante", "Shampoo", "Paño", "Escoba", "Trapeador", "Toalla",
         "Blanqueador", "Lustramuebles", "Insecticida", "Aromatizante", "Alcohol", "Vinagre"]
VARIANTS = ["Líquido", "en Polvo", "en Barra", "Concentrado", "Multiusos", "Antibacterial",
            "Ecológico", "Industrial", "Hipoalergénico", "Extra Fuerte", "Suave", "Gel"]
SCENTS = ["Lavanda", "Limón", "Pino", "Manzana", "Coco", "Avena", "Floral", "Brisa Marina",
          "Eucalipto", "Canela", "Vainilla", "Menta", "Naranja", "Rosas", "Talco", "Sin Aroma"]
BRANDS = ["Brillo", "Nube", "Chispa", "Blancor", "Fresco", "Reluz", "Dermia", "Cocoa", "Pura",
          "Limpix", "Barre", "Manos", "Envasa", "Aroma", "Fuerza", "Cristal", "Verde Vivo",
          "Suavecito", "Espuma", "Clarín", "Destello", "Aurora", "Alborada", "Cóndor", "Ñandú"]
CATEGORY_NAMES = ["Detergentes", "Suavizantes", "Lavalozas", "Desinfectantes", "Limpiapisos",
                  "Jabones", "Químicos", "Accesorios", "Envases", "Ambientadores"]
MODES = [("volume", "l"), ("volume", "gal"), ("weight", "kg"), ("weight", "lb"), ("unit", "unit"),
         ("unit", "unit"), ("unit", "unit")]


def ean13(n: int) -> str:
    body = f"77{n:010d}"
    return body + str(gtin_check_digit(body))


def populate(conn: sqlite3.Connection, count: int, seed: int = 7) -> list[str]:
    """Insert ``count`` products (with stock via the ledger) and return their barcodes."""
    rng = random.Random(seed)
    conn.execute("BEGIN IMMEDIATE")
    cats = []
    for i, name in enumerate(CATEGORY_NAMES):
        cur = conn.execute("INSERT INTO categories(name, kind, color, position, active) VALUES (?,?,?,?,1)",
                           (name, "goods", "#607D8B", i))
        cats.append(cur.lastrowid)
    start = conn.execute("SELECT COALESCE(MAX(id), 0) FROM products").fetchone()[0]
    products, codes, moves = [], [], []
    for i in range(1, count + 1):
        mode, uom = rng.choice(MODES)
        name = f"{rng.choice(TYPES)} {rng.choice(VARIANTS)} {rng.choice(SCENTS)} {rng.randint(1, 99)}"
        products.append((f"B{i:07d}", name, fold(name), rng.choice(BRANDS), rng.choice(cats), mode, uom,
                         rng.randint(50, 5000), rng.randint(20, 2500), 0, 5, 0, 1,
                         "2026-01-01 00:00:00", "2026-01-01 00:00:00"))
        codes.append((start + i, ean13(start + i)))
        moves.append((start + i, 100_000, "restock", "initial", "", "2026-01-01 00:00:00"))
    conn.executemany(
        "INSERT INTO products(sku, name, search_name, brand, category_id, sale_mode, uom, price, cost,"
        " tax_rate_bp, low_stock, stock, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        products)
    conn.executemany("INSERT INTO barcodes(product_id, code) VALUES (?,?)", codes)
    conn.executemany("INSERT INTO stock_movements(uuid, product_id, quantity, reason, detail, reference, created_at)"
                     f" VALUES ({SQL_NEW_UUID},?,?,?,?,?,?)", moves)
    conn.execute("COMMIT")
    return [c for _, c in codes]


def main(argv: list[str]) -> None:
    """``python -m kiosk.bench.catalog_gen DB COUNT`` (run in a child process by the bench)."""
    from db.engine import apply_pragmas

    conn = sqlite3.connect(argv[0], isolation_level=None)
    apply_pragmas(conn)
    populate(conn, int(argv[1]))
    conn.close()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

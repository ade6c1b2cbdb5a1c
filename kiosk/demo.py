"""The demo shop: a cleaning-products store selling liquids by volume, powders and
soaps by weight, packaged items with EAN-13 barcodes and a few services. Used by
``kiosk --demo``, ``kiosk-admin demo-data`` and the tests."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from db.engine import Database
from db.models import Product
from kiosk.core.barcodes import gtin_check_digit
from kiosk.core.money import to_minor
from kiosk.core.units import SaleMode, Uom, to_base
from kiosk.services.images import illustration
from kiosk.services.inventory import InventoryService, ProductDraft

# name, kind, colour
CATEGORIES = [
    ("Detergentes", "goods", "#1E88E5"),
    ("Suavizantes", "goods", "#8E24AA"),
    ("Lavalozas", "goods", "#43A047"),
    ("Cloro y desinfectantes", "goods", "#00897B"),
    ("Limpiapisos", "goods", "#FB8C00"),
    ("Jabones", "goods", "#D81B60"),
    ("Polvos y químicos", "goods", "#6D4C41"),
    ("Accesorios", "goods", "#546E7A"),
    ("Envases", "goods", "#3949AB"),
    ("Servicios", "services", "#F4511E"),
]

V, W, U, S = SaleMode.VOLUME, SaleMode.WEIGHT, SaleMode.UNIT, SaleMode.SERVICE


@dataclass(frozen=True)
class DemoProduct:
    sku: str
    name: str
    brand: str
    category: str
    mode: SaleMode
    uom: Uom
    price: str  # major units per uom
    cost: str
    stock: str  # in uom
    low: str  # in uom
    tax: int = 0  # percent


P = DemoProduct
PRODUCTS: list[DemoProduct] = [
    # Liquids by volume
    P("DET-LAV", "Detergente líquido lavanda", "Brillo", "Detergentes", V, Uom.L, "3.20", "1.60", "80", "20"),
    P("DET-COL", "Detergente líquido ropa de color", "Brillo", "Detergentes", V, Uom.L, "3.50", "1.75", "60", "15"),
    P("DET-BEB", "Detergente líquido ropa de bebé", "Suavecito", "Detergentes", V, Uom.L, "4.10", "2.10", "25", "10"),
    P("DET-ECO", "Detergente concentrado ecológico", "Verde Vivo", "Detergentes", V, Uom.L, "5.60", "2.90", "8", "10"),
    P("DET-GAL", "Detergente líquido multiuso (galón)", "Brillo", "Detergentes", V, Uom.GAL, "10.90", "5.40", "30", "8"),
    P("SUA-PRI", "Suavizante primavera", "Nube", "Suavizantes", V, Uom.L, "2.40", "1.10", "70", "20"),
    P("SUA-LAV", "Suavizante lavanda", "Nube", "Suavizantes", V, Uom.L, "2.40", "1.10", "45", "20"),
    P("SUA-BEB", "Suavizante bebé hipoalergénico", "Suavecito", "Suavizantes", V, Uom.L, "3.10", "1.50", "12", "10"),
    P("SUA-CON", "Suavizante concentrado floral", "Nube", "Suavizantes", V, Uom.L, "4.50", "2.20", "18", "8"),
    P("LAV-LIM", "Lavaloza líquido limón", "Chispa", "Lavalozas", V, Uom.L, "2.80", "1.30", "55", "15"),
    P("LAV-MAN", "Lavaloza líquido manzana", "Chispa", "Lavalozas", V, Uom.L, "2.80", "1.30", "40", "15"),
    P("LAV-ALO", "Lavaloza aloe vera", "Chispa", "Lavalozas", V, Uom.L, "3.00", "1.40", "6", "10"),
    P("CLO-TRA", "Cloro tradicional", "Blancor", "Cloro y desinfectantes", V, Uom.GAL, "4.20", "1.90", "40", "10"),
    P("CLO-GEL", "Cloro en gel", "Blancor", "Cloro y desinfectantes", V, Uom.L, "2.10", "0.95", "35", "10"),
    P("DES-PIN", "Desinfectante pino", "Fresco", "Cloro y desinfectantes", V, Uom.L, "2.60", "1.20", "50", "15"),
    P("DES-EUC", "Desinfectante eucalipto", "Fresco", "Cloro y desinfectantes", V, Uom.L, "2.60", "1.20", "32", "15"),
    P("DES-CIT", "Desinfectante cítrico", "Fresco", "Cloro y desinfectantes", V, Uom.L, "2.60", "1.20", "14", "15"),
    P("ALC-70", "Alcohol antiséptico 70 %", "Pura", "Cloro y desinfectantes", V, Uom.L, "6.80", "3.90", "20", "5", 19),
    P("PIS-LAV", "Limpiapisos lavanda", "Reluz", "Limpiapisos", V, Uom.L, "1.90", "0.85", "90", "25"),
    P("PIS-MAR", "Limpiapisos brisa marina", "Reluz", "Limpiapisos", V, Uom.L, "1.90", "0.85", "65", "25"),
    P("PIS-MAD", "Limpiador para madera", "Reluz", "Limpiapisos", V, Uom.L, "4.80", "2.40", "10", "5"),
    P("PIS-DES", "Desengrasante industrial", "Fuerza", "Limpiapisos", V, Uom.GAL, "14.50", "7.80", "12", "4", 19),
    P("VID-LIM", "Limpiavidrios", "Cristal", "Limpiapisos", V, Uom.L, "3.30", "1.50", "22", "8"),
    P("JAB-MAN", "Jabón líquido de manos avena", "Dermia", "Jabones", V, Uom.L, "4.40", "2.00", "30", "10"),
    P("JAB-ANT", "Jabón líquido antibacterial", "Dermia", "Jabones", V, Uom.L, "4.90", "2.30", "26", "10"),
    P("SHA-AUT", "Shampoo para autos", "Fuerza", "Jabones", V, Uom.GAL, "12.00", "6.10", "9", "4"),
    P("GLI-LIQ", "Glicerina líquida", "Pura", "Polvos y químicos", V, Uom.ML, "0.02", "0.01", "5000", "1000"),
    P("VIN-BLA", "Vinagre blanco de limpieza", "Pura", "Polvos y químicos", V, Uom.L, "1.50", "0.70", "40", "10"),
    P("AMB-FLO", "Ambientador líquido floral", "Aroma", "Limpiapisos", V, Uom.L, "5.20", "2.50", "16", "6"),
    # Solids by weight
    P("POL-DET", "Detergente en polvo", "Brillo", "Detergentes", W, Uom.KG, "2.90", "1.40", "120", "30"),
    P("POL-MUL", "Detergente en polvo multiusos", "Brillo", "Detergentes", W, Uom.KG, "2.50", "1.20", "18", "30"),
    P("POL-ENZ", "Detergente enzimático", "Verde Vivo", "Detergentes", W, Uom.KG, "4.60", "2.40", "25", "10"),
    P("JAB-ESC", "Jabón de coco en escamas", "Cocoa", "Jabones", W, Uom.KG, "5.40", "2.80", "15", "5"),
    P("JAB-RAL", "Jabón rallado para ropa", "Cocoa", "Jabones", W, Uom.LB, "1.80", "0.90", "40", "10"),
    P("JAB-AZU", "Jabón azul en pasta", "Cocoa", "Jabones", W, Uom.KG, "3.20", "1.60", "22", "8"),
    P("BIC-SOD", "Bicarbonato de sodio", "Pura", "Polvos y químicos", W, Uom.KG, "2.20", "1.00", "35", "10"),
    P("SOD-CAU", "Soda cáustica en escamas", "Fuerza", "Polvos y químicos", W, Uom.KG, "3.90", "2.00", "20", "5", 19),
    P("PER-SOD", "Percarbonato (blanqueador oxigenado)", "Verde Vivo", "Polvos y químicos", W, Uom.KG, "4.30", "2.20", "4", "5"),
    P("ACI-CIT", "Ácido cítrico", "Pura", "Polvos y químicos", W, Uom.KG, "6.10", "3.20", "10", "3"),
    P("SAL-LIM", "Sal de limón", "Pura", "Polvos y químicos", W, Uom.G, "0.01", "0.005", "3000", "500"),
    P("BOR-POL", "Bórax en polvo", "Pura", "Polvos y químicos", W, Uom.LB, "2.40", "1.10", "12", "4"),
    # Unit items with EAN-13
    P("ESP-DOB", "Esponja doble uso", "Limpix", "Accesorios", U, Uom.UNIT, "0.60", "0.25", "150", "30"),
    P("ESP-MET", "Esponja metálica", "Limpix", "Accesorios", U, Uom.UNIT, "0.45", "0.18", "90", "30"),
    P("PAN-MIC", "Paño de microfibra", "Limpix", "Accesorios", U, Uom.UNIT, "1.20", "0.55", "60", "15"),
    P("GUA-LAT", "Guantes de látex talla M", "Manos", "Accesorios", U, Uom.UNIT, "1.90", "0.90", "40", "10", 19),
    P("GUA-NIT", "Guantes de nitrilo talla L", "Manos", "Accesorios", U, Uom.UNIT, "2.40", "1.10", "8", "10", 19),
    P("ESC-SUA", "Escoba suave", "Barre", "Accesorios", U, Uom.UNIT, "4.50", "2.20", "20", "5", 19),
    P("TRA-ALG", "Trapeador de algodón", "Barre", "Accesorios", U, Uom.UNIT, "5.20", "2.60", "15", "5", 19),
    P("REC-PLA", "Recogedor plástico", "Barre", "Accesorios", U, Uom.UNIT, "2.10", "0.95", "18", "5", 19),
    P("CEP-ROP", "Cepillo para ropa", "Barre", "Accesorios", U, Uom.UNIT, "1.70", "0.80", "25", "6", 19),
    P("CEP-INO", "Cepillo para inodoro", "Barre", "Accesorios", U, Uom.UNIT, "2.80", "1.30", "3", "5", 19),
    P("BOL-BAS", "Bolsas de basura x10 (grandes)", "Limpix", "Accesorios", U, Uom.UNIT, "1.50", "0.70", "80", "20", 19),
    P("ATO-500", "Atomizador 500 ml", "Limpix", "Accesorios", U, Uom.UNIT, "1.30", "0.55", "35", "10", 19),
    P("JAB-BAR", "Jabón de tocador en barra", "Dermia", "Jabones", U, Uom.UNIT, "0.95", "0.45", "100", "24"),
    P("JAB-LAV", "Jabón de lavar en barra", "Cocoa", "Jabones", U, Uom.UNIT, "0.80", "0.38", "120", "24"),
    P("ENV-1L", "Botella vacía 1 L", "Envasa", "Envases", U, Uom.UNIT, "0.35", "0.15", "200", "50"),
    P("ENV-500", "Botella vacía 500 ml", "Envasa", "Envases", U, Uom.UNIT, "0.25", "0.10", "180", "50"),
    P("ENV-GAL", "Galón vacío con tapa", "Envasa", "Envases", U, Uom.UNIT, "0.90", "0.40", "60", "20"),
    P("ENV-BOL", "Bolsa resellable 1 kg", "Envasa", "Envases", U, Uom.UNIT, "0.15", "0.05", "300", "80"),
    P("DET-1KG", "Detergente en polvo 1 kg (bolsa cerrada)", "Brillo", "Detergentes", U, Uom.UNIT, "3.20", "1.70", "40", "10"),
    P("SUA-1L", "Suavizante primavera 1 L (botella)", "Nube", "Suavizantes", U, Uom.UNIT, "2.90", "1.40", "30", "10"),
    P("CLO-1L", "Cloro tradicional 1 L (botella)", "Blancor", "Cloro y desinfectantes", U, Uom.UNIT, "1.60", "0.70", "45", "12"),
    # Services (no stock)
    P("SRV-DOM", "Entrega a domicilio", "", "Servicios", S, Uom.UNIT, "2.00", "0", "0", "0"),
    P("SRV-ALF", "Lavado de alfombra (m²)", "", "Servicios", S, Uom.UNIT, "6.50", "0", "0", "0", 19),
    P("SRV-TAP", "Lavado de tapicería (puesto)", "", "Servicios", S, Uom.UNIT, "8.00", "0", "0", "0", 19),
    P("SRV-REC", "Recarga de envase propio", "", "Servicios", S, Uom.UNIT, "0.50", "0", "0", "0"),
]


def demo_ean13(index: int) -> str:
    """A valid EAN-13 from the demo shop's own (made-up) company prefix."""
    body = f"770999{index:06d}"
    return body + str(gtin_check_digit(body))


def demo_barcodes() -> dict[str, list[str]]:
    """SKU -> barcodes: packaged items carry an EAN-13; every bulk product also has a
    shelf label code so it can be scanned to open the calculator."""
    codes: dict[str, list[str]] = {}
    for i, p in enumerate(PRODUCTS, start=1):
        if p.mode is not SaleMode.SERVICE:
            codes[p.sku] = [demo_ean13(i)]
    return codes


IMAGES = "images"  # under the state directory; image paths are stored relative to it


def load_demo(db: Database, state_dir: Path, decimals: int = 2, *,
              categories: list[tuple[str, str, str]] | None = None, products: list[DemoProduct] | None = None,
              barcodes: dict[str, list[str]] | None = None) -> int:
    """Fill an empty catalog with the demo shop (default: the cleaning shop; the
    serviteca, kiosk/demo_serviteca.py, passes its own categories, products and
    barcodes); returns how many products were added (0 when the catalog already has
    products)."""
    categories = CATEGORIES if categories is None else categories
    products = PRODUCTS if products is None else products
    with db.read() as s:
        if (s.scalar(select(func.count(Product.id))) or 0) > 0:
            return 0
    inv = InventoryService(db)
    cat_ids = {}
    colors = {}
    for pos, (name, kind, color) in enumerate(categories):
        cat_ids[name] = inv.create_category(name, kind, color, position=pos)
        colors[name] = color
    barcodes = demo_barcodes() if barcodes is None else barcodes
    for p in products:
        image = f"{IMAGES}/{p.sku}.png"
        (state_dir / IMAGES).mkdir(parents=True, exist_ok=True)
        illustration(p.name, colors[p.category], p.mode.value).save(state_dir / image, optimize=True)
        inv.create_product(
            ProductDraft(sku=p.sku, name=p.name, brand=p.brand, category_id=cat_ids[p.category],
                         sale_mode=p.mode, uom=p.uom, price=to_minor(p.price, decimals),
                         cost=to_minor(p.cost, decimals), tax_rate_bp=p.tax * 100,
                         low_stock=to_base(Decimal(p.low), p.uom), barcodes=barcodes.get(p.sku, []),
                         image_path=image),
            initial_stock=to_base(Decimal(p.stock), p.uom))
    return len(products)


# The demo shop's staff besides the first start's admin (README, quick start): try a
# cashier's sign-in and a manager authorising what a cashier may not do.
DEMO_STAFF = (("Carla", "cashier", "135790"), ("Mario", "manager", "246801"))


def load_demo_staff(users) -> int:  # noqa: ANN001
    """Add the demo cashier and manager (kiosk.services.users.UserService) unless a user
    of that name exists; returns how many were added."""
    names = {u.name for u in users.users(include_inactive=True)}
    added = 0
    for name, role, pin in DEMO_STAFF:
        if name not in names:
            users.create_user(name, role, pin)
            added += 1
    return added

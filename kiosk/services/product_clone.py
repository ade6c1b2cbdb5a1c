"""Smart clone: while a new product is typed, suggest similar existing ones (same
brand, same category, similar name; accents and case ignored), and copy the chosen
one's fields (not its SKU, barcodes, stock or picture) so only the differences are typed.

Candidates come from the search index (any word of the name as a prefix, the brand)
and the category, a few hundred at most; they are ranked in Python:

    score = 3 × same brand + 2 × same category + 5 × shared name words + 2 × spelling likeness
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from db.engine import Database
from db.models import Product
from kiosk.core.catalog import ProductRef
from kiosk.core.text import fold
from kiosk.i18n import N_, translate
from kiosk.services.catalog import product_select, to_ref

if TYPE_CHECKING:
    from kiosk.services.inventory import InventoryService, ProductDraft

CANDIDATES = 200
_WORD = re.compile(r"\w+", re.UNICODE)

_FTS_SQL = text("SELECT rowid FROM product_search WHERE product_search MATCH :q LIMIT :cap")


@dataclass(frozen=True)
class Suggestion:
    product: ProductRef
    score: float
    reasons: tuple[str, ...]  # "same brand", "same category", "similar name" in the UI language


def _words(value: str) -> list[str]:
    return [w for w in _WORD.findall(fold(value)) if len(w) >= 2]


def _fts_any(words: list[str], column: str | None = None) -> str:
    terms = " OR ".join(f'"{w}"*' for w in words)
    return f"{column} : ({terms})" if column else terms


def suggest_similar(db: Database, draft_or_text: ProductDraft | str, limit: int = 6, *,
                    category_id: int | None = None, brand: str | None = None) -> list[Suggestion]:
    """Active products that resemble a draft (its name, brand and category) or a
    bare name, best first."""
    if isinstance(draft_or_text, str):
        name = draft_or_text
    else:
        name = draft_or_text.name
        brand = draft_or_text.brand if brand is None else brand
        category_id = draft_or_text.category_id if category_id is None else category_id
    name_words = _words(name)
    brand_key = fold(brand or "")
    ids: set[int] = set()
    with db.read() as s:
        if name_words:
            ids.update(r[0] for r in s.execute(_FTS_SQL, {"q": _fts_any(name_words), "cap": CANDIDATES}))
        if brand_key:
            ids.update(r[0] for r in s.execute(_FTS_SQL, {"q": _fts_any(_words(brand_key) or [brand_key], "brand"),
                                                          "cap": CANDIDATES}))
        if category_id is not None:
            ids.update(s.scalars(select(Product.id).where(Product.category_id == category_id,
                                                          Product.active.is_(True))
                                 .order_by(Product.updated_at.desc()).limit(CANDIDATES // 4)))
        if not ids:
            return []
        refs = [to_ref(r) for r in s.execute(product_select().where(Product.id.in_(ids),
                                                                     Product.active.is_(True)))]
    wanted = set(name_words)
    folded_name = fold(name)
    out = []
    for p in refs:
        reasons = []
        score = 0.0
        if brand_key and fold(p.brand) == brand_key:
            score += 3
            reasons.append(translate(N_("same brand")))
        if category_id is not None and p.category_id == category_id:
            score += 2
            reasons.append(translate(N_("same category")))
        if wanted:
            theirs = set(_words(p.name))
            overlap = len(wanted & theirs) / len(wanted | theirs) if theirs else 0.0
            likeness = difflib.SequenceMatcher(None, folded_name, fold(p.name)).ratio()
            if overlap or likeness >= 0.6:
                score += 5 * overlap + 2 * likeness
                reasons.append(translate(N_("similar name")))
        if score > 0:
            out.append(Suggestion(p, round(score, 3), tuple(reasons)))
    out.sort(key=lambda sg: (-sg.score, sg.product.name))
    return out[:limit]


def clone_draft(inventory: InventoryService, product_id: int) -> ProductDraft:
    """A new product's draft with every field of ``product_id`` except SKU, barcodes,
    stock and picture (a new product starts with none of them: a picture shows *that*
    product, and a clone keeping it would look the same on the selling screen)."""
    source = inventory.product_draft(product_id)
    return replace(source, sku="", barcodes=[], image_path=None, active=True)


class ProductClone:
    """The smart clone as the product editor uses it (built in kiosk/app_factory.py)."""

    def __init__(self, db: Database, inventory: InventoryService):
        self.db = db
        self.inventory = inventory

    def suggest_similar(self, draft_or_text: ProductDraft | str, limit: int = 6, category_id: int | None = None,
                        brand: str | None = None) -> list[Suggestion]:
        return suggest_similar(self.db, draft_or_text, limit, category_id=category_id, brand=brand)

    def clone_draft(self, product_id: int) -> ProductDraft:
        return clone_draft(self.inventory, product_id)

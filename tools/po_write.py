"""Developer helper: merge translations into a .po file.

    python tools/po_write.py kiosk/locale/es/LC_MESSAGES/ui.po translations.py
where translations.py defines ``T = {"English": "Español", ...}``. Existing entries
are kept; new ones are added; the file is written sorted by msgid."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po


def merge(po_path: Path, translations: dict[str, str], language: str = "es") -> int:
    catalog = Catalog(locale=language, domain="kiosk", project="kiosk", charset="utf-8")
    if po_path.exists():
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=language)
    before = len(catalog)
    for msgid, msgstr in translations.items():
        catalog.add(msgid, msgstr)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as fh:
        write_po(fh, catalog, sort_output=True, omit_header=False, width=100)
    return len(catalog) - before


if __name__ == "__main__":
    target, source = Path(sys.argv[1]), sys.argv[2]
    added = merge(target, runpy.run_path(source)["T"])
    print(f"{target}: {added} new entries")

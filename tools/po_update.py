"""Developer helper: list source strings that a Spanish catalog lacks.

    python tools/po_update.py            # prints missing msgids
The test tests/core/test_translations.py fails while any are missing."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.i18n_check import missing_translations  # noqa: E402

if __name__ == "__main__":
    missing = missing_translations("es")
    for msgid, where in missing:
        print(f"{where}: {msgid!r}")
    sys.exit(1 if missing else 0)

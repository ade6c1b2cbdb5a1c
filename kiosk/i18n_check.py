"""Find user-visible source strings that have no translation (used by a test and by
tools/po_update.py). Python files are scanned with Babel's extractor for ``_``,
``N_`` and ``translate``; Kivy .kv files for ``_('...')``."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir

from kiosk.i18n import LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("kiosk", "hardware", "db")
KEYWORDS = {"_": None, "N_": None, "translate": (1,), "ngettext": (1, 2)}
_KV_CALL = re.compile(r"""_\(\s*(['"])(.+?)(?<!\\)\1\s*\)""")


def source_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in SOURCES:
        base = ROOT / folder
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
                base, method_map=[("**.py", "python")], keywords=KEYWORDS):
            msgids = message if isinstance(message, tuple) else (message,)
            for msgid in msgids:
                if msgid:
                    found.setdefault(msgid, f"{folder}/{filename}:{lineno}")
        for kv in base.rglob("*.kv"):
            for lineno, line in enumerate(kv.read_text(encoding="utf-8").splitlines(), start=1):
                for match in _KV_CALL.finditer(line):
                    found.setdefault(match.group(2), f"{kv.relative_to(ROOT)}:{lineno}")
    return found


def catalog_ids(language: str) -> set[str]:
    from babel.messages.pofile import read_po

    ids: set[str] = set()
    for po in (LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=language):
                if message.id and message.string and not message.fuzzy:
                    # a plural entry translates both its singular and its plural msgid
                    ids.update([message.id] if isinstance(message.id, str) else message.id)
    return ids


def missing_translations(language: str) -> list[tuple[str, str]]:
    have = catalog_ids(language)
    return sorted((msgid, where) for msgid, where in source_strings().items() if msgid not in have)

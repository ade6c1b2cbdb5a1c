"""Where the OASIS UBL 2.1 XSDs are, and validation against them.

The schemas are not shipped in this repository. They are looked for, in order:
``$KIOSK_UBL_XSD_DIR``; ``[dian] schema_dir``; the installed copy
``/usr/share/kiosk/ubl-2.1-xsd``; and the ``shared/reference/ubl-2.1-xsd`` folder
beside the source tree or one of its parent folders (a development checkout or CI).
A folder given by the variable or the setting must hold them: it is never skipped
silently. Extension content is validated laxly (DIAN's ``sts:`` elements are not in
the schemas), the XML signature strictly.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from lxml import etree

from kiosk.fiscal.errors import DocumentNotValid, SchemaUnavailable

ENV_VAR = "KIOSK_UBL_XSD_DIR"
INSTALLED_DIR = Path("/usr/share/kiosk/ubl-2.1-xsd")
SOURCE_ROOT = Path(__file__).resolve().parents[2]
_MARKER = Path("maindoc") / "UBL-Invoice-2.1.xsd"

ROOT_SCHEMAS = {
    "Invoice": "UBL-Invoice-2.1.xsd",
    "CreditNote": "UBL-CreditNote-2.1.xsd",
    "DebitNote": "UBL-DebitNote-2.1.xsd",
    "ApplicationResponse": "UBL-ApplicationResponse-2.1.xsd",
    "AttachedDocument": "UBL-AttachedDocument-2.1.xsd",
}


def _holds_schemas(path: Path) -> bool:
    return (path / _MARKER).is_file()


def default_schema_dirs() -> list[Path]:
    """The installed copy, then ``shared/reference/ubl-2.1-xsd`` beside the source tree
    (``../shared`` from the repository root) or beside one of its parent folders (a
    git worktree kept in a subfolder of the main checkout's parent)."""
    return [INSTALLED_DIR, *(folder / "shared" / "reference" / "ubl-2.1-xsd" for folder in SOURCE_ROOT.parents)]


def find_schema_dir(configured: Path | str | None = None, env: Mapping[str, str] | None = None,
                    defaults: Sequence[Path] | None = None) -> Path:
    """The folder holding ``maindoc/`` and ``common/``; SchemaUnavailable if none.
    ``defaults``: where to look when nothing is named (``default_schema_dirs()``)."""
    env = os.environ if env is None else env
    explicit = env.get(ENV_VAR) or (str(configured) if configured else "")
    if explicit:
        path = Path(explicit).expanduser()
        if _holds_schemas(path):
            return path
        raise SchemaUnavailable(where=str(path))
    candidates = default_schema_dirs() if defaults is None else list(defaults)
    for path in candidates:
        if _holds_schemas(path):
            return path
    raise SchemaUnavailable(where=", ".join(str(p) for p in candidates[:2]))


def installed_validator(configured: Path | str | None = None, env: Mapping[str, str] | None = None,
                        defaults: Sequence[Path] | None = None) -> UblValidator | None:
    """The validator when the schemas are installed, None when they are not (a till
    without them still signs and sends: DIAN validates anyway). A folder named by
    ``$KIOSK_UBL_XSD_DIR`` or the setting must hold them: that is never skipped."""
    env = os.environ if env is None else env
    try:
        return UblValidator(find_schema_dir(configured, env, defaults))
    except SchemaUnavailable:
        if env.get(ENV_VAR) or configured:
            raise
        return None


@lru_cache(maxsize=16)
def _schema(directory: Path, filename: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(directory / "maindoc" / filename)))


class UblValidator:
    """Validates UBL documents (Invoice, CreditNote, DebitNote, ApplicationResponse,
    AttachedDocument) against the XSDs of one folder; schemas load on first use."""

    def __init__(self, directory: Path | str):
        self.directory = Path(directory).resolve()
        if not _holds_schemas(self.directory):
            raise SchemaUnavailable(where=str(self.directory))
        self._lock = threading.Lock()

    @classmethod
    def find(cls, configured: Path | str | None = None, env: Mapping[str, str] | None = None) -> UblValidator:
        return cls(find_schema_dir(configured, env))

    def errors(self, xml: bytes | etree._Element | etree._ElementTree) -> list[str]:
        """Schema errors of a document (empty when it is valid)."""
        if isinstance(xml, bytes):
            xml = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        root = xml.getroot() if isinstance(xml, etree._ElementTree) else xml
        local = etree.QName(root).localname
        if local not in ROOT_SCHEMAS:
            return [f"unknown document element {local!r}"]
        with self._lock:  # an XMLSchema object is not meant to be shared between threads
            schema = _schema(self.directory, ROOT_SCHEMAS[local])
            ok = schema.validate(root)
            log = [] if ok else [f"line {e.line}: {e.message}" for e in schema.error_log]
        return log

    def validate(self, xml: bytes | etree._Element | etree._ElementTree, document: str = "") -> None:
        problems = self.errors(xml)
        if problems:
            raise DocumentNotValid(document=document or "-", errors="; ".join(problems[:3]))

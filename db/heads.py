"""The newest migration's revision id, read from the migration files' own
``revision = "..."`` / ``down_revision = "..."`` lines without importing Alembic
(``kiosk-admin status`` shows it and must start fast). The same answer as Alembic's
``ScriptDirectory.get_current_head()`` for our linear chain (a test compares them);
with several heads, or a file it cannot read, it says None and the caller asks Alembic."""

from __future__ import annotations

import re
from pathlib import Path

VERSIONS = Path(__file__).resolve().parent / "migrations" / "versions"
_ASSIGN = re.compile(r"""^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:(None)|['"]([^'"]+)['"])\s*$""", re.M)


def head_from_files(versions: Path = VERSIONS) -> str | None:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found = {name: value for name, none, value in _ASSIGN.findall(path.read_text(encoding="utf-8"))
                 for value in [None if none else value]}
        if "revision" not in found or "down_revision" not in found or found["revision"] is None:
            return None  # not a form this reader knows (a tuple of parents, ...): ask Alembic
        revisions.add(found["revision"])
        if found["down_revision"] is not None:
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None

"""The audit log's hash chain (pure): each row stores the SHA-256 of a canonical
JSON of its content together with the previous row's hash, so changing, removing or
inserting a row anywhere breaks every hash after it.

Canonical JSON: keys sorted, no spaces, UTF-8, ``ensure_ascii=False``. ``before`` and
``after`` are hashed as the exact JSON text stored in the row, so reading a row back
and hashing it again never depends on how a JSON library re-orders or re-spaces.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64
# The columns the hash covers, besides prev_hash.
HASHED = ("uuid", "till_id", "created_at", "act", "user_id", "authorised_by", "subject", "before", "after",
          "origin")


def canonical_json(value: Any) -> str | None:
    """``before``/``after`` as stored (None stays None: SQL NULL)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def time_text(value: datetime | str) -> str:
    """The row's time as hashed: ``YYYY-MM-DD HH:MM:SS.ffffff`` (how the row stores it)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def row_hash(content: Mapping[str, Any], prev_hash: str) -> str:
    body = {key: content.get(key) for key in HASHED}
    body["created_at"] = time_text(body["created_at"])
    body["prev_hash"] = prev_hash
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first row whose chain does not hold."""

    row_id: int
    uuid: str
    reason: str  # "content" (the row changed) or "link" (a row before it was removed, inserted or changed)


def verify(rows: Iterable[Mapping[str, Any]]) -> tuple[int, Break | None, str]:
    """Walk one till's rows in id order: (rows checked, first break or None, head hash)."""
    prev = GENESIS
    count = 0
    for row in rows:
        count += 1
        if row["prev_hash"] != prev:
            return count, Break(row["id"], row["uuid"], "link"), prev
        if row_hash(row, prev) != row["row_hash"]:
            return count, Break(row["id"], row["uuid"], "content"), prev
        prev = row["row_hash"]
    return count, None, prev

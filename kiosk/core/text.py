"""Text keys for matching what people type against what is stored."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse spaces: " Jabón  Líquido" -> "jabon liquido"."""
    if text.isascii():  # nothing to decompose (most SKUs, brands, many names)
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())

"""Text as one printer can print it: the code page a python-escpos profile offers for
Spanish, and every string made safe before it becomes ESC/POS bytes.

- **Code page.** The configured one (``[printer] codepage``, CP850 by default) when
  the profile has it; otherwise the profile's page that holds the most Spanish
  letters, preferring CP858, CP850, CP1252, ISO 8859-15/-1, then CP437 (which lacks
  Á Í Ó Ú). A profile such as ``TM-U220`` (CP437 only) or ``TSP600`` (no CP850)
  therefore prints instead of failing with ``KeyError: 'CP850'`` after the sale.
- **Control characters** (C0, DEL, C1, Unicode format characters such as U+202E)
  never reach the printer from data: a product called ``Jabon<ESC>p0..`` would
  otherwise open the drawer on every receipt that names it. Line and paragraph
  breaks inside data become spaces.
- **Characters the code page lacks** are transliterated, never printed as ``?``:
  first their compatibility form (U+202F NARROW NO-BREAK SPACE in es_CO times
  such as "8:05 p. m." becomes a space), then the letter without its accent
  (Á -> A on CP437), then anyascii's ASCII spelling (€ -> EUR, “ ” -> ").
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

from hardware.printer import capabilities as escpos_capabilities

escpos_capabilities.prepare()  # before python-escpos reads its printer database

from escpos.magicencode import Encoder  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

# Every letter and sign Spanish text needs beyond ASCII.
SPANISH_LETTERS = "áéíóúüñÁÉÍÓÚÜÑ¿¡"
PREFERRED_CODEPAGES = ("CP858", "CP850", "CP1252", "ISO_8859-15", "ISO_8859-1", "CP437")
BREAKS = frozenset("\n\r\t\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class UnknownProfile(LookupError):
    """python-escpos has no printer profile of that name."""


def profile_names() -> list[str]:
    from escpos.capabilities import CAPABILITIES

    return sorted(CAPABILITIES["profiles"])


def known_codepages() -> list[str]:
    from escpos.capabilities import CAPABILITIES

    return sorted(name for name in CAPABILITIES["encodings"] if name != "Unknown")


@functools.lru_cache(maxsize=64)
def _profile_pages(profile: str) -> dict[str, str]:
    from escpos.capabilities import get_profile

    try:
        return dict(get_profile(profile).get_code_pages())
    except KeyError:
        raise UnknownProfile(profile) from None


class PrinterText:
    """What one (profile, wanted code page) prints; built once per pair (``for_printer``)."""

    def __init__(self, profile: str, wanted: str):
        self.profile = profile
        self.wanted = wanted.upper()
        pages = _profile_pages(profile)
        self._encoder = Encoder(pages)
        usable = [name for name in pages if name != "Unknown"]
        if self.wanted in usable:
            self.codepage = self.wanted
        else:
            def rank(name: str) -> tuple[int, int]:
                order = PREFERRED_CODEPAGES.index(name) if name in PREFERRED_CODEPAGES else len(PREFERRED_CODEPAGES)
                return (-len(self._letters(name)), order)
            self.codepage = min(usable, key=rank) if usable else ""
        self.missing = "".join(ch for ch in SPANISH_LETTERS if ch not in self._letters(self.codepage))
        self._char: dict[str, str] = {}
        # Whole strings are checked against these sets in one C-level pass (every receipt
        # cleans ~80 pieces and encodes its accented lines): the characters printed as
        # they are, and each code page character's byte (python-escpos' own table).
        table = self._encoder._get_codepage_char_map(self.codepage) if self.codepage else {}
        self._bytes = {ord(ch): byte for ch, byte in table.items()}
        self._as_is = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset(
            ch for ch in table if self._one(ch) == ch)

    def _letters(self, codepage: str) -> str:
        if not codepage:
            return ""
        return "".join(ch for ch in SPANISH_LETTERS if self._encoder.can_encode(codepage, ch))

    @property
    def substituted(self) -> bool:
        """The configured code page is not the one used (the profile lacks it)."""
        return self.codepage != self.wanted

    # --- text ------------------------------------------------------------------------
    def _fits(self, text: str) -> bool:
        return all(ord(ch) < 128 or (self.codepage and self._encoder.can_encode(self.codepage, ch)) for ch in text)

    def _one(self, ch: str) -> str:
        """One character that is not plain printable ASCII, as the printer can show it."""
        done = self._char.get(ch)
        if done is not None:
            return done
        if ch in BREAKS:
            out = " "
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out = ""  # controls, format characters (bidi overrides, zero-width), unassigned
        elif self._fits(ch):
            out = ch
        else:
            compat = unicodedata.normalize("NFKC", ch)
            bare = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            ascii_form = "".join(c for c in anyascii(ch) if " " <= c <= "~")
            out = next((form for form in (compat, bare) if form and form != ch and self._fits(form)
                        and all(c.isprintable() for c in form)), ascii_form)
        self._char[ch] = out
        return out

    def clean(self, text: str) -> str:
        """Data (names, users, shop details, formatted dates and amounts) ready to lay
        out: no control character at all, every character printable in the code page."""
        if text.isascii() and text.isprintable() or self._as_is.issuperset(text):
            return text
        return "".join(ch if " " <= ch <= "~" else self._one(ch) for ch in text)

    def encode(self, text: str, codepage: str) -> bytes:
        """Clean text as bytes of ``codepage`` (one of the profile's), as python-escpos'
        own encoder writes it; its table of the page is built once, here."""
        if codepage == self.codepage and self._as_is.issuperset(text):
            return text.translate(self._bytes).encode("latin-1")  # every character is ASCII or in the table
        return self._encoder.encode(text, codepage)

    def clean_lines(self, text: str) -> str:
        """The same, keeping the line feeds the renderer itself puts between lines."""
        return "\n".join(self.clean(part) for part in text.split("\n"))

    # --- jobs ------------------------------------------------------------------------
    def job(self) -> Dummy:
        """A Dummy printer for one job: initialised, in this code page, and whose
        ``text()`` lets nothing but safe text through."""
        p = _SafeDummy(self, profile=self.profile)
        p.hw("INIT")
        if self.codepage:
            p.charcode(self.codepage)
        return p


class _SafeDummy(Dummy):
    def __init__(self, text: PrinterText, **kwargs: object):
        super().__init__(**kwargs)
        self._printer_text = text

    def text(self, txt: str) -> None:  # noqa: D102 - python-escpos' own text(), made safe
        clean = self._printer_text.clean_lines(str(txt))
        if not self.magic.disabled:
            super().text(clean)
            return
        # The code page is fixed (job() set it) and every code page keeps ASCII as is:
        # ASCII lines go out as their bytes, the same python-escpos would write, without
        # its per-character encoder (~40% of a receipt's rendering, inside Confirmar).
        # Other lines go through PrinterText's long-lived encoder: python-escpos gives
        # each job a new one, which rebuilds its code page table for the first accent.
        for line in clean.splitlines(keepends=True):
            if line.isascii():
                self._raw(line.encode("ascii"))
            else:
                self._raw(self._printer_text.encode(line, self.magic.encoding))


@functools.lru_cache(maxsize=32)
def for_printer(profile: str, wanted: str) -> PrinterText:
    """Raises UnknownProfile for a profile python-escpos does not know."""
    return PrinterText(profile, wanted)


@dataclass(frozen=True)
class CodepageReport:
    """What ``kiosk-admin config check`` says about the printer's text."""

    profile: str
    wanted: str
    codepage: str
    missing: str  # Spanish letters printed without their accent

    @property
    def note(self) -> str:
        parts = []
        if self.codepage != self.wanted:
            parts.append(f"profile {self.profile} has no {self.wanted}: receipts use {self.codepage or 'ASCII'}")
        if self.missing:
            parts.append(f"{' '.join(self.missing)} print without accent")
        return "; ".join(parts)


def codepage_report(profile: str, wanted: str) -> CodepageReport:
    t = for_printer(profile, wanted)
    return CodepageReport(profile, t.wanted, t.codepage, t.missing)

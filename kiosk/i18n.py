"""Text translation (gettext catalogs) and locale formatting (Babel).

Source strings are English; ``kiosk/locale/<lang>/LC_MESSAGES/*.po`` hold the
translations (one file per area of the product, merged when loaded). The .po files
are read directly and compiled in memory, so no generated .mo file has to live in
the repository. Spanish is the default language.

Only the standard library (and the stdlib-only kiosk.core.money) is imported at module
level: ``kiosk.core`` uses ``_`` for
its error messages and must stay light; Babel is imported when something is formatted.
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from kiosk.core.money import from_minor

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kiosk"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


@dataclass(frozen=True)
class MoneyFormat:
    currency: str = "USD"
    decimals: int = 2
    symbol: str = "$"


_lock = threading.Lock()
_catalogs: dict[str, gettext.NullTranslations] = {}
_state = {"language": DEFAULT_LANGUAGE, "locale": DEFAULT_LANGUAGE, "money": MoneyFormat()}


def _load_catalog(language: str) -> gettext.NullTranslations:
    """All ``*.po`` files of a language merged into one catalog (each area of the
    product keeps its own file: kiosk.po, ui.po, hardware.po, ...).

    Parsing them with Babel takes 40-100 ms, at every kiosk and kiosk-admin start
    (issue 18): the compiled catalog is kept in the kiosk's cache folder (i18n/), named
    after the .po files' names, sizes and times, so an edited file is compiled anew."""
    with _lock:
        if language in _catalogs:
            return _catalogs[language]
        pos = sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))
        cached = _compiled_path(language, pos)
        try:
            if cached is not None and cached.is_file():
                with cached.open("rb") as fh:
                    _catalogs[language] = gettext.GNUTranslations(fh)
                return _catalogs[language]
        except (OSError, ValueError):
            pass  # unreadable or damaged: compiled again below
        mo = _compile(language, pos)
        catalog = gettext.GNUTranslations(io.BytesIO(mo)) if mo else gettext.NullTranslations()
        if mo and cached is not None:
            _keep(cached, mo)
        _catalogs[language] = catalog
        return catalog


def _compiled_path(language: str, pos: list[Path]) -> Path | None:
    from hardware.printer.capabilities import cache_dir

    folder = cache_dir(sub="i18n", data_only=True)
    if folder is None or not pos:
        return None
    try:
        stamp = "\n".join(f"{p.name} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in pos)
    except OSError:
        return None
    return folder / f"{language}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.mo"


def _keep(path: Path, mo: bytes) -> None:
    """Write the compiled catalog (atomically; a folder that cannot be written is skipped)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old in path.parent.glob(path.name.split("-")[0] + "-*.mo"):  # older compilations of the language
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(mo)
        os.replace(tmp, path)
    except OSError:
        pass


def _compile(language: str, pos: list[Path]) -> bytes:
    """The language's .po files merged and compiled to .mo bytes (b"" when empty)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    # The first file's catalog keeps its header, whose Plural-Forms is the rule the
    # translations were written for; a new Catalog would take Babel's CLDR rule
    # instead (Spanish has three forms there since Babel 2.19, our files two), and
    # every plural past the first would fall back to English.
    merged: Catalog | None = None
    for po in pos:
        with po.open("rb") as fh:
            part = read_po(fh, locale=language, domain=DOMAIN)
        if merged is None:
            merged = Catalog(locale=language, domain=DOMAIN)
            merged.mime_headers = part.mime_headers
        elif part.plural_forms != merged.plural_forms:
            raise ValueError(f"{po.name}: Plural-Forms {part.plural_forms!r} differs from "
                             f"{merged.plural_forms!r} in the other {language} catalogs")
        for message in part:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    if merged is None or not len(merged):
        return b""
    buf = io.BytesIO()
    write_mo(buf, merged)
    return buf.getvalue()


def configure(language: str | None = None, locale: str | None = None,
              money: MoneyFormat | None = None) -> None:
    """Set the process-wide language, Babel locale and money format."""
    if language is not None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
        _state["language"] = language
    if locale is not None:
        _state["locale"] = locale
    if money is not None:
        _state["money"] = money


def language() -> str:
    return _state["language"]


def babel_locale() -> str:
    return _state["locale"]


def decimal_mark() -> str:
    """"," for Spanish, "." for English: the keypads' decimal key and numbers in fields."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(babel_locale())


def money_format() -> MoneyFormat:
    return _state["money"]


def gettext_for(language: str | None = None):
    return _load_catalog(language or _state["language"]).gettext


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _load_catalog(_state["language"]).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _load_catalog(_state["language"]).ngettext(singular, plural, n)


def translate(message: str, language: str | None = None) -> str:
    return _load_catalog(language or _state["language"]).gettext(message)


# --- formatting -------------------------------------------------------------------

def format_money(amount_minor: int, *, symbol: bool = True, fmt: MoneyFormat | None = None) -> str:
    """Integer minor units -> "$1.234,50" with the locale's separators.

    The configured symbol (default "$") is placed before the number whatever the
    locale: shops in Latin America and the US write "$5", not "5 US$".
    """
    fmt = fmt or money_format()
    value = from_minor(amount_minor, fmt.decimals)
    pattern = "#,##0" + ("." + "0" * fmt.decimals if fmt.decimals else "")
    number = _babel_number(abs(value), pattern, babel_locale())
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{fmt.symbol}{number}" if symbol else f"{sign}{number}"


def format_decimal(value: Decimal | int | float, max_decimals: int = 3, min_decimals: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * min_decimals + "#" * (max_decimals - min_decimals)
                         if max_decimals else "")
    return _babel_number(value, pattern, babel_locale())


def _babel_number(value: Decimal | int | float, pattern: str, locale: str) -> str:
    """Babel's formatting, remembered: ~35 µs a call, and a receipt, a grid page or a
    report formats the same few prices again and again. The text depends only on the
    number's value, the pattern and the locale (the pattern fixes the decimals), except
    for zero: -0 and 0 are one cache key, and Babel writes "-0" for the first."""
    if not value:
        return _babel_format(value, pattern, locale)
    return _babel_format_remembered(value, pattern, locale)


def _babel_format(value: Decimal | int | float, pattern: str, locale: str) -> str:
    from babel.numbers import format_decimal as babel_format_decimal

    return babel_format_decimal(value, format=pattern, locale=locale, decimal_quantization=True)


_babel_format_remembered = functools.lru_cache(maxsize=8192, typed=True)(_babel_format)


def format_datetime(value: datetime, fmt: str = "short") -> str:
    from babel.dates import format_datetime as babel_format_datetime

    return babel_format_datetime(value, format=fmt, locale=babel_locale())


def format_date(value: date, fmt: str = "medium") -> str:
    from babel.dates import format_date as babel_format_date

    return babel_format_date(value, format=fmt, locale=babel_locale())


def format_time(value: datetime, fmt: str = "HH:mm") -> str:
    from babel.dates import format_time as babel_format_time

    return babel_format_time(value, format=fmt, locale=babel_locale())


def parse_decimal(text: str) -> Decimal:
    """Parse a number typed by a person: "1,5", "1.5", "1.234,5", "1,234.5".

    When both separators appear the last one is the decimal mark; a single lone
    separator is always the decimal mark, because cashiers type "1,5" or "1.5" and
    never group thousands on a keypad. Raises ValueError.
    """
    s = text.strip().replace(" ", "").replace("\u00a0", "")
    if not s:
        raise ValueError("empty number")
    sign = ""
    if s[0] in "+-":
        sign, s = ("-" if s[0] == "-" else ""), s[1:]
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if dec == "," else ","
        s = s.replace(thousands, "").replace(dec, ".")
    elif "," in s:
        if s.count(",") > 1:
            raise ValueError(f"not a number: {text!r}")
        s = s.replace(",", ".")
    elif s.count(".") > 1:
        raise ValueError(f"not a number: {text!r}")
    if not s or not all(c.isdigit() or c == "." for c in s) or s == ".":
        raise ValueError(f"not a number: {text!r}")
    return Decimal(sign + s)

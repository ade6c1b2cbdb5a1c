"""Spanish is the default language and must be complete; English is the source text."""

from kiosk import i18n
from kiosk.core.errors import WrongPin
from kiosk.i18n_check import missing_translations


def test_every_visible_string_has_a_spanish_translation():
    missing = missing_translations("es")
    assert not missing, "untranslated strings:\n" + "\n".join(f"  {w}: {m!r}" for m, w in missing[:40])


def test_errors_switch_language():
    assert str(WrongPin()) == "PIN incorrecto."
    i18n.configure(language="en")
    assert str(WrongPin()) == "Wrong PIN."


def test_money_formats():
    assert i18n.format_money(123450) == "$1.234,50"
    i18n.configure(locale="en_US")
    assert i18n.format_money(-5) == "-$0.05"
    # Formatting is remembered per locale: the same amount again follows the switch.
    assert i18n.format_money(123450) == "$1,234.50"
    assert i18n.format_decimal(1234.5) == "1,234.5"
    i18n.configure(locale="es_CO")
    assert i18n.format_money(123450) == "$1.234,50" and i18n.format_decimal(1234.5) == "1.234,5"
    # -0 and 0 are equal (one cache key) but Babel writes them differently: each as Babel does.
    assert [i18n.format_decimal(v) for v in (-0.0, 0.0, -0.0)] == ["-0", "0", "-0"]
    i18n.configure(locale="es_CO", money=i18n.MoneyFormat("COP", 0, "$"))
    assert i18n.format_money(12345) == "$12.345"


def test_no_function_rebinds_the_gettext_underscore():
    """`ready, _, _ = select(...)` inside a module that imports `_` makes every `_()` in
    that function fail (UnboundLocalError) - in a device thread, silently."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [*root.glob("kiosk/**/*.py"), *root.glob("hardware/**/*.py"), *root.glob("db/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.ImportFrom) and any(a.name == "_" and not a.asname for a in n.names)
                   for n in tree.body):
            continue
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for n in ast.walk(fn):
                    if (isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)) or \
                            (isinstance(n, ast.arg) and n.arg == "_"):
                        offenders.append(f"{path.relative_to(root)}:{n.lineno}")
    assert not offenders, offenders


def _plural_messages() -> list[tuple[str, str]]:
    """Every ``ngettext(singular, plural, n)`` pair in the product's source."""
    from babel.messages.extract import extract_from_dir

    from kiosk.i18n_check import KEYWORDS, ROOT, SOURCES

    pairs = set()
    for folder in SOURCES:
        for _f, _l, message, _c, _x in extract_from_dir(ROOT / folder, method_map=[("**.py", "python")],
                                                       keywords=KEYWORDS):
            if isinstance(message, tuple) and len(message) == 2 and all(message):
                pairs.add(message)
    return sorted(pairs)


def _spanish_plural_forms() -> dict[tuple[str, str], list[str]]:
    from babel.messages.pofile import read_po

    forms = {}
    for po in (i18n.LOCALE_DIR / "es" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as fh:
            for message in read_po(fh, locale="es"):
                if isinstance(message.id, tuple):
                    forms[message.id] = list(message.string)
    return forms


def test_every_plural_renders_in_spanish_for_0_1_2_5():
    """Spanish plurals take the rule of the .po header (one form for 1, the other for
    anything else), not Babel's CLDR rule: with Babel 2.19 a catalog built without the
    header's rule showed every plural past the first in English."""
    pairs = _plural_messages()
    assert len(pairs) >= 5, pairs  # the scan found the product's plurals
    forms = _spanish_plural_forms()
    i18n.configure(language="es")
    wrong = []
    for singular, plural in pairs:
        translated = forms.get((singular, plural))
        assert translated and all(translated), f"no Spanish plural for {singular!r}"
        for n in (0, 1, 2, 5):
            expected = translated[0 if n == 1 else 1]
            shown = i18n.ngettext(singular, plural, n)
            if shown != expected:
                wrong.append(f"n={n}: {shown!r} instead of {expected!r}")
    assert not wrong, "\n".join(wrong)

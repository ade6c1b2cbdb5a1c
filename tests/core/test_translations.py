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

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

"""kiosk/config.py does not render a sample receipt, nor load python-escpos's
capabilities, for the default printer settings (kiosk-admin starts fast): these are
the checks it skips, made here once."""

import pytest

from hardware.printer.receipt import ReceiptLayout, check_layout
from hardware.printer.text import known_codepages, profile_names
from kiosk.config import PrinterSettings


@pytest.mark.parametrize("paper", [58, 80])
def test_the_default_layout_prints_a_receipt(paper):
    printer = PrinterSettings(paper_width_mm=paper)
    assert printer.uses_default_layout()
    check_layout(ReceiptLayout(columns=printer.line_columns, codepage=printer.codepage.upper(),
                               profile=printer.profile, sale_code=printer.sale_code, cut=printer.cut))


def test_the_default_profile_and_code_page_are_known_to_escpos():
    printer = PrinterSettings()
    assert printer.profile in profile_names()
    assert printer.codepage.upper() in known_codepages()


def test_any_other_layout_is_still_checked():
    assert not PrinterSettings(columns=42).uses_default_layout()
    with pytest.raises(ValueError, match="printer profile"):
        PrinterSettings(profile="no-such-printer")
    with pytest.raises(ValueError, match="code page"):
        PrinterSettings(codepage="CP999")

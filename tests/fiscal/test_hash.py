"""CUFE/CUDE: DIAN's published examples reproduce exactly, through the pure function
and through ``kiosk-admin dian hash`` (text and JSON)."""

import hashlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.core import fiscal as f

ROOT = Path(__file__).resolve().parents[2]

CUFE_EXAMPLE = dict(number="323200000129", issue_date="2019-01-16", issue_time="10:53:10-05:00",
                    subtotal="1500000.00", iva="285000.00", inc="0.00", ica="0.00", total="1785000.00",
                    seller_nit="700085371", buyer_id="800199436", key="693ff6f2a553c3646a063436fd4dd9ded0311471",
                    environment="1")
CUFE = "8bb918b19ba22a694f1da11c643b5e9de39adf60311cf179179e9b33381030bcd4c3c3f156c506ed5908f9276f5bd9b4"
CUFE_INPUT = ("3232000001292019-01-1610:53:10-05:001500000.0001285000.00040.00030.001785000.00"
              "700085371800199436693ff6f2a553c3646a063436fd4dd9ded03114711")
CUDE_EXAMPLE = dict(number="8110007871", issue_date="2019-02-20", issue_time="16:46:55-05:00", subtotal="235.28",
                    iva="19.00", inc="0.00", ica="8.28", total="262.56", seller_nit="900373076", buyer_id="8355990",
                    key="12345", environment="2")
CUDE = "955327eb55f8bdf16d069358a063d87e1577a292cb088ec186ed60bbc38e750b7b3980659b278ead789b95f9c51a9ef7"


@pytest.mark.parametrize("example, expected", [(CUFE_EXAMPLE, CUFE), (CUDE_EXAMPLE, CUDE)])
def test_dian_examples_reproduce(example, expected):
    fields = f.hash_fields_from_values(**example)
    assert fields.hash() == expected
    assert len(fields.hash()) == 96


def test_cufe_input_is_the_plain_concatenation():
    assert f.hash_fields_from_values(**CUFE_EXAMPLE).input() == CUFE_INPUT


def test_amounts_are_written_with_two_truncated_decimals():
    assert f.format_decimal_amount(Decimal("1500000")) == "1500000.00"
    assert f.format_decimal_amount(Decimal("235.289")) == "235.28"  # truncated, not rounded
    assert f.format_decimal_amount("8.2") == "8.20"
    assert f.amount_text(1_785_000, 0) == "1785000.00"
    assert f.amount_text(26256, 2) == "262.56"
    loose = f.hash_fields_from_values(**{**CUFE_EXAMPLE, "subtotal": "1500000", "iva": "285000.009",
                                         "seller_nit": "700.085.371"})
    assert loose.hash() == CUFE


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "kiosk.cli.main", "dian", "hash", *args], capture_output=True,
                          text=True, env=env, timeout=120)


def _cli_args(kind: str, e: dict[str, str]) -> list[str]:
    return ["--kind", kind, "--number", e["number"], "--date", e["issue_date"], "--time", e["issue_time"],
            "--subtotal", e["subtotal"], "--iva", e["iva"], "--inc", e["inc"], "--ica", e["ica"],
            "--total", e["total"], "--seller-nit", e["seller_nit"], "--buyer-id", e["buyer_id"], "--key", e["key"],
            "--environment", e["environment"]]


def test_cli_hash_json_reproduces_dian_examples():
    for kind, example, expected in (("cufe", CUFE_EXAMPLE, CUFE), ("cude", CUDE_EXAMPLE, CUDE)):
        r = _cli(*_cli_args(kind, example), "--json")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert out["hash"] == expected
        assert out["input"] == f.hash_fields_from_values(**example).input()


def test_cli_hash_text_shows_input_and_hash():
    r = _cli(*_cli_args("cufe", CUFE_EXAMPLE))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"input: {CUFE_INPUT}", f"cufe: {CUFE}"]
    r = _cli(*_cli_args("cude", CUDE_EXAMPLE))
    assert r.stdout.splitlines()[1] == f"cude: {CUDE}"


def test_cli_hash_refuses_a_time_without_the_bogota_offset():
    r = _cli(*_cli_args("cufe", {**CUFE_EXAMPLE, "issue_time": "10:53:10"}))
    assert r.returncode == 2
    assert "HH:MM:SS-05:00" in r.stderr


def test_software_security_code_qr_and_file_names():
    assert f.software_security_input("56f2ae4e", "12345", "SETP990000002") == "56f2ae4e12345SETP990000002"
    assert f.software_security_code("56f2ae4e", "12345", "SETP990000002") == \
        hashlib.sha384(b"56f2ae4e12345SETP990000002").hexdigest()
    assert f.qr_url(CUFE, "1") == f"https://catalogo-vpfe.dian.gov.co/document/searchqr?documentkey={CUFE}"
    assert f.qr_url(CUFE, f.Environment.TESTING).startswith("https://catalogo-vpfe-hab.dian.gov.co/")
    names = f.file_names(f.DocumentKind.POS, "900373076", "000", 2026, 42)
    assert names == f.FileNames(xml="ds0900373076000260000002a.xml", zip="z0900373076000260000002a.zip")
    assert f.file_names(f.DocumentKind.POS_ADJUSTMENT_CREDIT, "900373076", "000", 2026, 0xFFFFFFFF).xml == \
        "ncs090037307600026ffffffff.xml"
    with pytest.raises(ValueError):
        f.file_names(f.DocumentKind.POS, "900373076", "000", 2026, 0)

"""DLE EOT status bytes: what they mean, and nonsense recognised as nonsense."""

import pytest

from hardware.printer.status import StatusGarbled, parse_status, problem_text, status_bytes


@pytest.mark.parametrize("state, problem", [
    ({}, None),
    ({"paper": "out"}, "paper_out"),
    ({"cover_open": True}, "cover_open"),
    ({"error": "autocutter"}, "error"),
    ({"online": False}, "offline"),
])
def test_status_round_trip(state, problem):
    status = parse_status(status_bytes(**state))
    assert status.problem == problem
    assert status.online == (problem is None)


def test_paper_near_end_is_a_warning_not_a_problem():
    status = parse_status(status_bytes(paper="near_end"))
    assert status.problem is None and status.warning == "paper_low" and status.paper == "near_end"


def test_drawer_switch_level():
    assert parse_status(status_bytes(drawer_pin3=True)).drawer_open("high") is True
    assert parse_status(status_bytes(drawer_pin3=True)).drawer_open("low") is False
    assert parse_status({4: 0x12}).drawer_open() is None  # DLE EOT 1 not asked


@pytest.mark.parametrize("answer", [0x00, 0xFF, ord("A"), 0x13])
def test_nonsense_is_refused_with_a_clear_message(answer):
    with pytest.raises(StatusGarbled, match=r"not an ESC/POS status byte.*status_query = \"off\""):
        parse_status({1: answer})


def test_problem_texts_are_spanish_by_default():
    assert problem_text("paper_out") == "Impresora sin papel"
    assert problem_text("paper_out", "en") == "Printer out of paper"

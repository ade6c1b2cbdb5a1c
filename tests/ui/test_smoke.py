from __future__ import annotations


def test_unlock_and_shot(seller):
    seller.ids().search_field  # noqa
    seller.screenshot("sell")
    assert seller.current == "sell"

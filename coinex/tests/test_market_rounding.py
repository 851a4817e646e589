"""Market.price_round and amount_round: what an order's price and size become on the exchange."""

from decimal import Decimal

import pytest

from coinex.dto import Market


def market(*, tick: str, precision: int) -> Market:
    return Market(symbol="BTCUSDT", base_asset="BTC", quote_asset="USDT", min_amount=Decimal("0.0001"),
                  amount_precision=4, price_precision=precision, tick_size=Decimal(tick), leverages=(1, 5),
                  maker_fee_rate=Decimal("0.0002"), taker_fee_rate=Decimal("0.0005"))


@pytest.mark.parametrize(("tick", "precision", "price", "expected"), [
    # A tick of 10 ** -precision (the single-quantize path): nearest tick, ties to even.
    ("0.1", 1, "60000.14", "60000.1"),
    ("0.1", 1, "60000.16", "60000.2"),
    ("0.1", 1, "60000.15", "60000.2"),
    ("0.1", 1, "60000.25", "60000.2"),
    ("0.01", 2, "1.005", "1.00"),
    ("0.01", 2, "7", "7.00"),
    ("0.10", 1, "60000.15", "60000.2"),  # the same tick written with another exponent
    # Any other tick: the nearest multiple of it, written with the market's precision.
    ("0.5", 1, "60000.74", "60000.5"),
    ("0.5", 1, "60000.75", "60001.0"),
    ("0.5", 1, "60000.25", "60000.0"),
    ("5", 0, "60007.4", "60005"),
])
def test_price_round_gives_the_nearest_tick_ties_to_even(tick, precision, price, expected):
    rounded = market(tick=tick, precision=precision).price_round(Decimal(price))
    assert rounded == Decimal(expected)
    assert str(rounded) == expected  # written with the market's precision, as sent to the exchange


def test_amount_round_never_rounds_up():
    assert market(tick="0.1", precision=1).amount_round(Decimal("0.123456")) == Decimal("0.1234")
    assert str(market(tick="0.1", precision=1).amount_round(Decimal("2"))) == "2.0000"

"""The candle upsert: idempotent, forming replaced when final, closed never overwritten by forming."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ta.models import Candle, Symbol
from ta.services.candles import CHUNK_ROWS, candles_upsert
from ta.sources.base import Bar

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def bar(minutes: int, close: str, *, closed: bool = True) -> Bar:
    c = Decimal(close)
    return Bar(T0 + timedelta(minutes=minutes), c, c + 1, c - 1, c, Decimal("2.5"), is_closed=closed)


@pytest.fixture
def btc() -> Symbol:
    return Symbol.objects.get(symbol="BTCUSDT")


def stored(symbol: Symbol) -> list[tuple]:
    return list(Candle.objects.filter(symbol=symbol, timeframe="5m").order_by("open_time")
                .values_list("open_time", "close", "is_closed"))


def test_new_candles_are_inserted_and_the_same_batch_again_changes_nothing(btc):
    bars = [bar(0, "100"), bar(5, "101"), bar(10, "102", closed=False)]
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=bars) == 3
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=bars) == 0
    assert [row[1] for row in stored(btc)] == [Decimal(100), Decimal(101), Decimal(102)]


def test_the_forming_candle_is_replaced_in_place_when_final(btc):
    candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "100", closed=False)])
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "100.5", closed=False)]) == 1
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "99.75")]) == 1
    assert stored(btc) == [(T0, Decimal("99.75"), True)]


def test_a_closed_candle_is_never_overwritten_by_a_forming_one(btc):
    candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "100")])
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "250", closed=False)]) == 0
    assert stored(btc) == [(T0, Decimal(100), True)]


def test_a_corrected_closed_candle_replaces_the_old_values(btc):
    candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "100")])
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "100.01")]) == 1
    assert stored(btc) == [(T0, Decimal("100.01"), True)]


def test_series_are_independent_per_symbol_and_timeframe(btc):
    eth = Symbol.objects.get(symbol="ETHUSDT")
    candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[bar(0, "100")])
    assert candles_upsert(symbol_id=eth.pk, timeframe="5m", bars=[bar(0, "5")]) == 1
    assert candles_upsert(symbol_id=btc.pk, timeframe="1h", bars=[bar(0, "7")]) == 1
    assert Candle.objects.count() == 3


def test_large_batches_span_several_statements(btc):
    bars = [bar(5 * i, str(100 + i)) for i in range(CHUNK_ROWS * 2 + 7)]
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=bars) == len(bars)
    assert Candle.objects.filter(symbol=btc).count() == len(bars)


def test_tiny_prices_keep_their_digits(btc):
    pepe = Symbol.objects.get(symbol="PEPEUSDT")
    price = Decimal("0.00000131")
    candles_upsert(symbol_id=pepe.pk, timeframe="5m",
                   bars=[Bar(T0, price, price, price, price, Decimal("123456789012.5"))])
    candle = Candle.objects.get(symbol=pepe)
    assert candle.close == price and candle.volume == Decimal("123456789012.5")


def taker_bar(minutes: int, *, quote: str | None, taker_buy: str | None, closed: bool = True) -> Bar:
    return Bar(T0 + timedelta(minutes=minutes), Decimal(100), Decimal(101), Decimal(99), Decimal(100), Decimal(2),
               is_closed=closed, quote_volume=None if quote is None else Decimal(quote),
               taker_buy_quote_volume=None if taker_buy is None else Decimal(taker_buy))


def taker_fields(symbol: Symbol) -> list[tuple]:
    return list(Candle.objects.filter(symbol=symbol, timeframe="5m").order_by("open_time")
                .values_list("quote_volume", "taker_buy_quote_volume"))


def test_the_taker_fields_are_stored_and_never_overwritten_by_an_unknown_value(btc):
    candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[taker_bar(0, quote="200", taker_buy="120")])
    assert taker_fields(btc) == [(Decimal(200), Decimal(120))]
    # A CSV import or the stream (no taker fields) of the same candle keeps them and changes nothing.
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[taker_bar(0, quote=None, taker_buy=None)]) == 0
    assert taker_fields(btc) == [(Decimal(200), Decimal(120))]


def test_a_candle_stored_without_taker_fields_gets_them_from_a_later_fetch(btc):
    candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[taker_bar(0, quote=None, taker_buy=None)])
    assert taker_fields(btc) == [(None, None)]
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[taker_bar(0, quote="200", taker_buy="80")]) == 1
    assert taker_fields(btc) == [(Decimal(200), Decimal(80))]
    assert candles_upsert(symbol_id=btc.pk, timeframe="5m", bars=[taker_bar(0, quote="200", taker_buy="80")]) == 0

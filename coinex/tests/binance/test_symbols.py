"""PEPE is traded on Binance USD-M as the 1000PEPEUSDT contract: the adapter maps symbol, price
and quantity at the boundary, so the platform only ever sees PEPEUSDT per coin."""

from __future__ import annotations

from decimal import Decimal

from coinex.binance.streams import MarkPriceEvent, event_parse, stream_names
from coinex.binance.symbols import platform_symbol, venue_symbol
from coinex.dto import MarginMode, OrderSide, OrderType


def test_platform_and_venue_symbols_map_both_ways():
    assert venue_symbol("PEPEUSDT") == "1000PEPEUSDT"
    assert venue_symbol("BTCUSDT") == "BTCUSDT"
    assert venue_symbol("1000PEPEUSDT") == "1000PEPEUSDT"  # already a contract: unchanged
    assert platform_symbol("1000PEPEUSDT") == "PEPEUSDT"
    assert platform_symbol("1000000MOGUSDT") == "MOGUSDT"
    assert platform_symbol("1INCHUSDT") == "1INCHUSDT"  # a coin whose name starts with a digit


def test_pepe_trades_per_coin_while_binance_holds_1000pepe_contracts(client, binance):
    binance.price("1000PEPEUSDT", "0.0123000")  # 0.0000123 USDT per PEPE
    market = client.market(symbol="PEPEUSDT")
    assert (market.amount_step, market.tick_size) == (Decimal("1000"), Decimal("0.0000000001"))
    assert client.ticker(symbol="PEPEUSDT").mark_price == Decimal("0.0000123")

    client.leverage_set(symbol="PEPEUSDT", leverage=5, margin_mode=MarginMode.ISOLATED)
    order = client.order_place(symbol="PEPEUSDT", side=OrderSide.BUY, type=OrderType.MARKET,
                               amount=Decimal("1234567"), client_id="pepe-open")
    assert (order.symbol, order.filled_amount, order.average_price) == (
        "PEPEUSDT", Decimal("1234000"), Decimal("0.0000123"))
    assert binance.state()["positions"] == {"1000PEPEUSDT:BOTH": "1234"}  # what Binance holds

    position = client.position(symbol="PEPEUSDT")
    assert (position.symbol, position.amount, position.entry_price) == (
        "PEPEUSDT", Decimal("1234000"), Decimal("0.0000123"))
    protected = client.position_stop_loss_set(symbol="PEPEUSDT", price=Decimal("0.0000110"))
    assert protected.stop_loss_price == Decimal("0.0000110")
    algo = next(a for a in binance.state()["algo_orders"] if a["algoStatus"] == "NEW")
    assert (algo["symbol"], Decimal(algo["triggerPrice"])) == ("1000PEPEUSDT", Decimal("0.011"))

    binance.price("1000PEPEUSDT", "0.0105")  # the stop fires on Binance at the mark price
    assert client.position(symbol="PEPEUSDT") is None
    closes = client.orders_finished(symbol="PEPEUSDT")
    assert closes[0].symbol == "PEPEUSDT" and closes[0].filled_amount == Decimal("1234000")


def test_stream_frames_of_the_contract_read_per_coin():
    assert "1000pepeusdt@markPrice@1s" in stream_names(["PEPEUSDT"])
    event = event_parse({"stream": "1000pepeusdt@markPrice@1s", "data": {
        "e": "markPriceUpdate", "E": 1717243200000, "s": "1000PEPEUSDT", "p": "0.01234000", "i": "0.01233000",
        "r": "0.0001", "T": 1717257600000}})
    assert isinstance(event, MarkPriceEvent)
    assert (event.symbol, event.mark_price, event.index_price) == (
        "PEPEUSDT", Decimal("0.00001234"), Decimal("0.00001233"))
    kline = event_parse({"e": "kline", "E": 1717243200000, "k": {
        "s": "1000PEPEUSDT", "i": "5m", "t": 1717243200000, "o": "0.0120", "h": "0.0125", "l": "0.0119",
        "c": "0.0124", "v": "2500", "x": True}})
    assert (kline.candle.symbol, kline.candle.close, kline.candle.volume) == (
        "PEPEUSDT", Decimal("0.0000124"), Decimal("2500000"))

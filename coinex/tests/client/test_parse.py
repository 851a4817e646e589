"""Parsing answers shaped like CoinEx's documented examples (not like our sandbox's)."""

from decimal import Decimal

from coinex.client import parse
from coinex.dto import MarginMode, OrderStatus, PositionSide


def test_a_market_with_string_leverages_and_a_half_tick():
    market = parse.market_parse({
        "market": "BTCUSDT", "contract_type": "linear", "taker_fee_rate": "0.0005", "maker_fee_rate": "0.0003",
        "min_amount": "0.0005", "base_ccy": "BTC", "quote_ccy": "USDT", "base_ccy_precision": 8,
        "quote_ccy_precision": 2, "tick_size": "0.5", "is_market_available": True, "leverage": ["3", "5", "10"],
        "open_interest_volume": "12",
    })
    assert market.leverages == (3, 5, 10) and market.tick_size == Decimal("0.5")
    assert market.price_round(Decimal("60000.74")) == Decimal("60000.50")
    assert market.amount_round(Decimal("0.123456789")) == Decimal("0.12345678")


def test_a_balance_without_equity_gets_it_computed():
    balance = parse.balance_parse([
        {"ccy": "CET", "available": "5", "frozen": "0", "margin": "0", "unrealized_pnl": "0", "transferrable": "5"},
        {"ccy": "USDT", "available": "900.5", "frozen": "10", "margin": "80", "unrealized_pnl": "-3.25",
         "transferrable": "900.5"},
    ])
    assert balance.equity == Decimal("987.25")


def test_a_position_with_empty_stop_fields():
    position = parse.position_parse({
        "position_id": 8812, "market": "ETHUSDT", "market_type": "FUTURES", "side": "short", "margin_mode": "cross",
        "open_interest": "2", "close_avbl": "2", "ath_position_amount": "2", "unrealized_pnl": "-20",
        "realized_pnl": "-1.2", "avg_entry_price": "2500", "cml_position_value": "5000",
        "max_position_value": "5000", "take_profit_price": "", "stop_loss_price": "", "take_profit_type": "",
        "stop_loss_type": "", "leverage": "10", "margin_avbl": "500", "ath_margin_size": "500",
        "position_margin_rate": "0.1", "maintenance_margin_rate": "0.005", "maintenance_margin_value": "25",
        "liq_price": "2737.5", "bkr_price": "2750", "adl_level": 1, "settle_price": "2500", "settle_value": "5000",
        "created_at": 1700000000000, "updated_at": 1700000060000,
    })
    assert (position.side, position.margin_mode, position.leverage) == (PositionSide.SHORT, MarginMode.CROSS, 10)
    assert position.take_profit_price is None and position.stop_loss_price is None
    assert position.mark_price == Decimal("2510")  # entry + 20 loss / 2 on a short
    assert position.position_id == "8812" and position.liquidation_price == Decimal("2737.5")


def test_a_place_order_answer_without_status_is_inferred_from_the_fill():
    base = {"order_id": "13400", "market": "SOLUSDT", "market_type": "FUTURES", "side": "buy", "type": "limit",
            "amount": "10", "price": "100", "unfilled_amount": "6", "filled_amount": "4", "filled_value": "400",
            "client_id": "c-1", "fee": "0.2", "fee_ccy": "USDT", "realized_pnl": "0",
            "created_at": 1700000000000, "updated_at": 1700000000000}
    assert parse.order_parse(base).status == OrderStatus.PART_FILLED
    assert parse.order_parse({**base, "filled_amount": "10", "filled_value": "1000"}).status == OrderStatus.FILLED
    assert parse.order_parse({**base, "filled_amount": "0", "filled_value": "0"}).status == OrderStatus.OPEN
    assert parse.order_parse(base).average_price == Decimal("100")

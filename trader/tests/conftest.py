"""A small market the trader tests control: prices, scans, a paper exchange, a mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from coinex.paper import PaperConfig, PaperExchange
from ta.models import Candle, ScanResult, ScanStatus, Symbol
from trader.models import AuditVia
from trader.services.actor import Actor
from trader.services.status import trader_mode_set


@dataclass
class TestMarket:
    """Prices (as 5m candles the selectors read) and scan results, set by the test."""

    prices: dict[str, Decimal] = field(default_factory=dict)

    def price(self, symbol: str, value: str | Decimal) -> None:
        value = Decimal(str(value))
        self.prices[symbol] = value
        now = timezone.now()
        open_time = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
        Candle.objects.update_or_create(
            symbol=Symbol.objects.get(symbol=symbol), timeframe="5m", open_time=open_time,
            defaults={"open": value, "high": value, "low": value, "close": value, "volume": 1, "is_closed": False},
        )

    def scan(self, symbol: str, *, long: int = 0, short: int = 0, long_bonus: int = 0, short_bonus: int = 0,
             age_s: int = 0, price: str | None = None) -> None:
        if price is not None:
            self.price(symbol, price)
        ScanResult.objects.update_or_create(
            symbol=Symbol.objects.get(symbol=symbol),
            defaults={"status": ScanStatus.OK, "computed_at": timezone.now() - timedelta(seconds=age_s),
                      "long_score": long, "short_score": short, "ta_long_bonus": long_bonus,
                      "ta_short_bonus": short_bonus, "payload": {"symbol": symbol}},
        )

    def clear_scans(self) -> None:
        ScanResult.objects.all().delete()


@pytest.fixture
def market(db) -> TestMarket:
    return TestMarket()


@pytest.fixture
def paper(market) -> PaperExchange:
    """A fresh paper account (1,000 USDT, 0.05 % taker fee, no slippage) at the test's prices."""
    return PaperExchange(price_provider=market.prices.get,
                         config=PaperConfig(starting_balance=Decimal("1000"), slippage_pct=Decimal("0")),
                         account_name="trader-tests")


@pytest.fixture
def operator(db) -> Actor:
    user = get_user_model().objects.create_user("operator")
    return Actor.for_user(user, via=AuditVia.PAGE)


@pytest.fixture
def dry_run(operator) -> None:
    trader_mode_set(mode="dry-run", actor=operator)

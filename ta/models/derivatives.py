"""Derivatives market data (seed trading-support ``market_data``): one row per symbol, period and time.

Binance USD-M's public data endpoints (``/futures/data/openInterestHist``,
``globalLongShortAccountRatio``, ``topLongShortAccountRatio``, ``topLongShortPositionRatio``,
``takerlongshortRatio``, ``/fapi/v1/fundingRate``) keep 30 days; the taker volumes (and so the
CVD) also come from the klines' taker-buy fields (``Candle.taker_buy_quote_volume``) for the
whole candle history. Every series is nullable: a row may hold some series and not others
(the funding rate exists every 8 h, the ratios only for the last 30 days), and a missing value
means "no data", never zero.
"""

from __future__ import annotations

from django.db import models

from ta.models.market import PRICE_DECIMAL_PLACES, PRICE_MAX_DIGITS, Symbol


class DerivativesPeriod(models.TextChoices):
    M5 = "5m", "5m"
    H1 = "1h", "1h"


def _value(help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True, help_text=help_text
    )


class DerivativesPoint(models.Model):
    """The derivatives series of one symbol for one period starting at ``time`` (UTC)."""

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="derivatives")
    period = models.CharField(max_length=4, choices=DerivativesPeriod.choices)
    time = models.DateTimeField(help_text="Start of the period, UTC (Binance's timestamp).")
    open_interest = _value("Open interest in contracts (base asset), at the period's timestamp.")
    open_interest_value = _value("Open interest in USDT.")
    taker_buy_volume = _value("Taker buy volume in the period, USDT (quote).")
    taker_sell_volume = _value("Taker sell volume in the period, USDT (quote).")
    cvd = _value("Cumulative volume delta: the running sum of taker buy minus sell (USDT) since the series' first row.")
    global_long_short_ratio = _value("Global long/short account ratio (all accounts).")
    top_long_short_account_ratio = _value("Top traders' long/short account ratio.")
    top_long_short_position_ratio = _value("Top traders' long/short position ratio.")
    funding_rate = _value("The last funding rate settled at or before the period's start (0.0001 = 0.01 %).")
    source = models.CharField(max_length=20, help_text="The source that wrote the row (binance_usdm, simulated).")
    updated_at = models.DateTimeField(auto_now=True, help_text="Every write sets it, the bulk ones included.")

    class Meta:
        db_table = "ta_derivatives_points"
        verbose_name = "derivatives data point"
        constraints = [
            models.UniqueConstraint(fields=("symbol", "period", "time"), name="ta_derivatives_unique_series_time"),
        ]
        # The newest write is the version of the latest values (ta.derivatives_selectors): one index probe.
        indexes = [models.Index(fields=("updated_at",), name="ta_derivatives_updated")]
        ordering = ("symbol", "period", "time")

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.period} {self.time:%Y-%m-%d %H:%M}"

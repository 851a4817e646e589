"""Market data in the ORM: the symbol universe, candles, and each feed's state.

Prices and volumes are ``Decimal`` (exact as the source sent them: Binance sends
decimal strings, PEPE trades around 0.00001). ``open_time`` is an aware UTC datetime,
the candle's open as Binance defines it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

PRICE_MAX_DIGITS = 30
PRICE_DECIMAL_PLACES = 12


class Symbol(models.Model):
    """One coin of the universe, as the exchange names it (``BTCUSDT``).

    Disabling a symbol (or adding one) in the admin takes effect at the next fetch:
    the fetcher reads this table every time.
    """

    symbol = models.CharField(max_length=30, unique=True, help_text="Exchange symbol, e.g. BTCUSDT.")
    enabled = models.BooleanField(default=True, help_text="Fetched, analysed and traded only when enabled.")
    display_order = models.PositiveIntegerField(default=0, help_text="Position in lists (lowest first).")
    source_symbol = models.CharField(
        max_length=30,
        blank=True,
        help_text="The market-data source's symbol when it differs (e.g. 1000PEPEUSDT on Binance USD-M futures).",
    )
    source_price_divisor = models.DecimalField(
        max_digits=20,
        decimal_places=8,
        default=Decimal(1),
        help_text="Source prices are divided by this (volume multiplied): 1000 for a 1000PEPEUSDT source.",
    )
    coinex_market = models.CharField(
        max_length=30, blank=True, help_text="The CoinEx futures market when it differs from the symbol."
    )

    class Meta:
        ordering = ("display_order", "symbol")
        constraints = [
            models.CheckConstraint(condition=models.Q(source_price_divisor__gt=0), name="ta_symbol_divisor_positive"),
        ]

    def __str__(self) -> str:
        return self.symbol

    @property
    def data_symbol(self) -> str:
        """The symbol to ask the market-data source for."""
        return self.source_symbol or self.symbol

    @property
    def market(self) -> str:
        """The CoinEx futures market to trade."""
        return self.coinex_market or self.symbol


class Candle(models.Model):
    """One OHLCV candle; ``is_closed`` is False while the candle is still forming.

    Unique on (symbol, timeframe, open_time); the forming candle is replaced in place
    when its final values arrive (see ``ta.services.candles.candles_upsert``).
    """

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="candles")
    timeframe = models.CharField(max_length=8, help_text="5m, 1h, 4h (any Binance interval may be stored).")
    open_time = models.DateTimeField(help_text="Open time of the candle, UTC.")
    open = models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES)
    high = models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES)
    low = models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES)
    close = models.DecimalField(max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES)
    volume = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, help_text="Base-asset volume."
    )
    is_closed = models.BooleanField(default=True, help_text="False while the candle is still forming.")
    quote_volume = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True,
        help_text="Quote-asset (USDT) volume, when the source gives it (Binance klines do; CSV files do not).",
    )
    taker_buy_quote_volume = models.DecimalField(
        max_digits=PRICE_MAX_DIGITS, decimal_places=PRICE_DECIMAL_PLACES, null=True, blank=True,
        help_text="Taker buy quote volume (USDT), when the source gives it: the CVD's input.",
    )

    class Meta:
        # The unique constraint's index (symbol, timeframe, open_time) serves every read:
        # "newest N of a series" is a backward scan of it.
        constraints = [
            models.UniqueConstraint(fields=("symbol", "timeframe", "open_time"), name="ta_candle_unique_series_time"),
        ]
        ordering = ("symbol", "timeframe", "open_time")

    def __str__(self) -> str:
        state = "" if self.is_closed else " (forming)"
        return f"{self.symbol_id} {self.timeframe} {self.open_time:%Y-%m-%d %H:%M}{state}"


class MarketFeedState(models.Model):
    """What a market-data source must remember between fetches, shared by every worker.

    One row per source name: when it last fetched (for ``/health``), a block it is
    under (Binance 418 ban until a time, 451 regional block of a base URL), and the
    replay clock's anchor.
    """

    source = models.CharField(max_length=20, unique=True)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    blocked_until = models.DateTimeField(null=True, blank=True, help_text="No fetch before this time (418 ban).")
    blocked_reason = models.TextField(blank=True)
    region_blocked_url = models.CharField(
        max_length=200, blank=True, help_text="Base URL that answered 451 (regional block); not retried while set."
    )
    replay_anchor_at = models.DateTimeField(null=True, blank=True, help_text="Wall time the replay started.")
    replay_start = models.DateTimeField(null=True, blank=True, help_text="Market time the replay started at.")
    replay_speed = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "market feed state"

    def __str__(self) -> str:
        return self.source

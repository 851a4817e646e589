"""Market structure per symbol and timeframe (seed trading-support tables), written by the structure scan.

- ``FibConfig`` (``fib_config``): the one editable Fibonacci configuration (admin).
- ``SwingPoint`` (``swing_points``): confirmed swings, kept as history (one row per bar and kind).
- ``SRLevel`` (``support_resistance``): the current levels of a series, replaced by every run.
- ``FibonacciLevels`` (``fibonacci_levels``): the current setup of a series' last swing pair.
- ``TradingSignal`` (``trading_signals``) with ``ConfluenceFactor`` (``confluence_factors``):
  one row per setup (series, direction, swing pair), updated while the setup lives;
  ``LatestSignal``: the view ``latest_signals``, the newest of them per symbol.
- ``MarketRegime``: the latest regime of a series (tradefinder classifier).

Prices are floats: these are analysis outputs (the engine computes in float64); orders
use the exchange's Decimal prices. Definitions: docs/STRUCTURE.md.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ta.models.market import Symbol

RATIO_VALIDATORS = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def _ratio(default: float, help_text: str) -> models.FloatField:
    return models.FloatField(default=default, validators=RATIO_VALIDATORS, help_text=help_text)


class Direction(models.TextChoices):
    LONG = "long", "long"
    SHORT = "short", "short"


class SwingKind(models.TextChoices):
    HIGH = "high", "swing high"
    LOW = "low", "swing low"


class LevelKind(models.TextChoices):
    SUPPORT = "support", "support"
    RESISTANCE = "resistance", "resistance"


class Regime(models.TextChoices):
    TRENDING_UP = "trending_up", "trending up"
    TRENDING_DOWN = "trending_down", "trending down"
    RANGING = "ranging", "ranging"
    HIGH_VOLATILITY = "high_volatility", "high volatility"
    UNCERTAIN = "uncertain", "uncertain"


class FibConfig(models.Model):
    """The Fibonacci configuration (one row, pk 1); ratios are retracement fractions 0-1 of the swing leg.

    Defaults are the seed's. Take-profit ratios are those of the seed's example signals.
    """

    long_entry1 = _ratio(0.70, "Long entry 1.")
    long_entry2 = _ratio(0.72, "Long entry 2.")
    long_stop = _ratio(0.90, "Long stop loss.")
    long_approaching = _ratio(0.618, "Long: price is approaching the entries.")
    long_tp1 = _ratio(0.5, "Long take-profit 1.")
    long_tp2 = _ratio(0.382, "Long take-profit 2.")
    long_tp3 = _ratio(0.236, "Long take-profit 3.")
    short_entry1 = _ratio(0.618, "Short entry 1.")
    short_entry2 = _ratio(0.69, "Short entry 2.")
    short_stop = _ratio(0.789, "Short stop loss.")
    short_approaching = _ratio(0.5, "Short: price is approaching the entries.")
    short_tp1 = _ratio(0.382, "Short take-profit 1.")
    short_tp2 = _ratio(0.236, "Short take-profit 2.")
    short_tp3 = _ratio(0.0, "Short take-profit 3.")
    pullback_start = _ratio(0.382, "A pullback has started once price retraced this far.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "ta_fib_config"
        verbose_name = "Fibonacci configuration"
        verbose_name_plural = "Fibonacci configuration"

    def __str__(self) -> str:
        return "Fibonacci configuration"

    def engine_config(self):
        """This row as the engine's ``FibConfig``."""
        from ta.engine.structure.fibonacci import FibConfig as EngineFibConfig
        from ta.engine.structure.fibonacci import FibSide

        return EngineFibConfig(
            long=FibSide(entry1=self.long_entry1, entry2=self.long_entry2, stop=self.long_stop,
                         approaching=self.long_approaching,
                         take_profits=(self.long_tp1, self.long_tp2, self.long_tp3)),
            short=FibSide(entry1=self.short_entry1, entry2=self.short_entry2, stop=self.short_stop,
                          approaching=self.short_approaching,
                          take_profits=(self.short_tp1, self.short_tp2, self.short_tp3)),
            pullback_start=self.pullback_start,
        )

    def clean(self) -> None:
        problem = self.engine_config().problem()
        if problem:
            raise ValidationError(problem)


class SwingPoint(models.Model):
    """A confirmed swing high or low of a series (``swing_points``)."""

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="swing_points")
    timeframe = models.CharField(max_length=8)
    open_time = models.DateTimeField(help_text="Open time of the swing's bar (UTC).")
    kind = models.CharField(max_length=4, choices=SwingKind.choices)
    price = models.FloatField(help_text="The bar's high (swing high) or low (swing low).")
    strength = models.PositiveSmallIntegerField(help_text="Bars each side that confirmed it.")
    detected_at = models.DateTimeField(help_text="When the scan first stored it (UTC).")

    class Meta:
        db_table = "ta_swing_points"
        constraints = [
            models.UniqueConstraint(fields=("symbol", "timeframe", "open_time", "kind"), name="ta_swing_unique")
        ]
        ordering = ("symbol", "timeframe", "-open_time")

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.timeframe} swing {self.kind} {self.price:g} @ {self.open_time:%Y-%m-%d %H:%M}"


class SRLevel(models.Model):
    """A support or resistance level of a series now (``support_resistance``); replaced by every run."""

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="sr_levels")
    timeframe = models.CharField(max_length=8)
    price = models.FloatField(help_text="Mean price of the clustered swings.")
    zone_low = models.FloatField()
    zone_high = models.FloatField()
    kind = models.CharField(max_length=10, choices=LevelKind.choices, help_text="Relative to the latest close.")
    origin = models.CharField(max_length=10, choices=LevelKind.choices, help_text="What most of its touches were.")
    touches = models.PositiveSmallIntegerField()
    strength = models.PositiveSmallIntegerField(help_text="0-100: 25 per touch.")
    is_active = models.BooleanField(help_text="False once closed through by more than the tolerance.")
    first_touch_at = models.DateTimeField()
    last_touch_at = models.DateTimeField()
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "ta_support_resistance"
        indexes = [models.Index(fields=("symbol", "timeframe", "price"), name="ta_sr_series_price")]
        ordering = ("symbol", "timeframe", "price")

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.timeframe} {self.kind} {self.price:g} x{self.touches}"


class FibonacciLevels(models.Model):
    """The current Fibonacci setup of a series' last swing pair (``fibonacci_levels``)."""

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="fibonacci_levels")
    timeframe = models.CharField(max_length=8)
    direction = models.CharField(max_length=5, choices=Direction.choices)
    swing_high = models.FloatField()
    swing_low = models.FloatField()
    swing_high_time = models.DateTimeField()
    swing_low_time = models.DateTimeField()
    levels = models.JSONField(help_text='Price of every ratio: {"0.618": 101.2, ...}.')
    entry1 = models.FloatField()
    entry2 = models.FloatField()
    stop = models.FloatField()
    approaching = models.FloatField()
    pullback_start = models.FloatField()
    tp1 = models.FloatField()
    tp2 = models.FloatField()
    tp3 = models.FloatField()
    retracement = models.FloatField(help_text="How far of the leg price has come back (0-1, can exceed).")
    state = models.CharField(max_length=12, help_text="none, pullback, approaching, entry_zone, invalidated.")
    candle_time = models.DateTimeField()
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "ta_fibonacci_levels"
        constraints = [models.UniqueConstraint(fields=("symbol", "timeframe"), name="ta_fib_unique_series")]
        verbose_name_plural = "Fibonacci levels"

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.timeframe} fib {self.direction} {self.swing_low:g}-{self.swing_high:g}"


class TradingSignal(models.Model):
    """One Fibonacci setup's trade plan with its scores (``trading_signals``), updated while it lives."""

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="trading_signals")
    timeframe = models.CharField(max_length=8)
    direction = models.CharField(max_length=5, choices=Direction.choices)
    market_score = models.PositiveSmallIntegerField(help_text="Confluence score 0-100.")
    price = models.FloatField(help_text="Latest close when last evaluated.")
    entry1 = models.FloatField()
    entry2 = models.FloatField()
    sl = models.FloatField()
    tp1 = models.FloatField()
    tp2 = models.FloatField()
    tp3 = models.FloatField()
    swing_high = models.FloatField()
    swing_low = models.FloatField()
    swing_high_time = models.DateTimeField()
    swing_low_time = models.DateTimeField()
    support_level = models.FloatField(null=True, blank=True)
    resistance_level = models.FloatField(null=True, blank=True)
    confluence = models.CharField(max_length=40, blank=True, help_text='Codes that scored, e.g. "OB,SR,RSI".')
    risk_reward_ratio = models.FloatField()
    confidence_score = models.FloatField(help_text="0-100.")
    state = models.CharField(max_length=12, help_text="pullback, approaching, entry_zone or invalidated.")
    candle_time = models.DateTimeField(help_text="Open time of the latest candle evaluated (UTC).")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "ta_trading_signals"
        constraints = [
            models.UniqueConstraint(
                fields=("symbol", "timeframe", "direction", "swing_high_time", "swing_low_time"),
                name="ta_signal_unique_setup",
            )
        ]
        indexes = [
            models.Index(fields=("-updated_at",), name="ta_signal_updated"),
            models.Index(fields=("symbol", "-updated_at"), name="ta_signal_symbol_updated"),
            models.Index(fields=("direction", "-updated_at"), name="ta_signal_direction_updated"),
        ]
        ordering = ("-updated_at", "-id")

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.timeframe} {self.direction} score {self.market_score} ({self.state})"


class LatestSignal(models.Model):
    """The latest signal of each symbol: the database view ``latest_signals`` (seed trading-support
    "SELECT * FROM latest_signals"; migration ``0006_latest_signals_view``), read-only.

    The view holds every column of ``ta_trading_signals`` for the one row per symbol with the
    newest ``updated_at`` (ties: the highest id), any timeframe: what ``signal_latest`` answers
    for one symbol. The ORM maps only its key and symbol and reads the rows as ``TradingSignal``
    (``TradingSignal.objects.filter(pk__in=LatestSignal.objects.values("signal"))``), so a column
    added to the table later needs nothing here. ``migrate`` drops the view before it runs and
    creates it again after (``ta.db_views``), so later migrations may alter the table freely.
    """

    signal = models.OneToOneField(TradingSignal, primary_key=True, db_column="id", on_delete=models.DO_NOTHING,
                                  related_name="+")
    symbol = models.ForeignKey(Symbol, db_column="symbol_id", on_delete=models.DO_NOTHING, related_name="+")

    class Meta:
        managed = False
        db_table = "latest_signals"

    def __str__(self) -> str:
        return f"latest signal {self.signal_id} of {self.symbol_id}"


class ConfluenceFactor(models.Model):
    """One factor's points for a signal (``confluence_factors``): OB, SR, RSI, FIB, SWING."""

    signal = models.ForeignKey(TradingSignal, on_delete=models.CASCADE, related_name="factors")
    code = models.CharField(max_length=8)
    score = models.PositiveSmallIntegerField()
    weight = models.PositiveSmallIntegerField()
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "ta_confluence_factors"
        constraints = [models.UniqueConstraint(fields=("signal", "code"), name="ta_factor_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.score}/{self.weight}"


class MarketRegime(models.Model):
    """The latest regime of a series and the values it was decided from (null when insufficient)."""

    symbol = models.ForeignKey(Symbol, on_delete=models.CASCADE, related_name="regimes")
    timeframe = models.CharField(max_length=8)
    regime = models.CharField(max_length=16, choices=Regime.choices)
    status = models.CharField(max_length=20, help_text="ok or insufficient_data.")
    reason = models.CharField(max_length=200, blank=True)
    adx = models.FloatField(null=True, blank=True)
    plus_di = models.FloatField(null=True, blank=True)
    minus_di = models.FloatField(null=True, blank=True)
    atr_pct = models.FloatField(null=True, blank=True)
    atr_pct_percentile = models.FloatField(null=True, blank=True)
    bb_width = models.FloatField(null=True, blank=True)
    bb_width_percentile = models.FloatField(null=True, blank=True)
    compressed = models.BooleanField(default=False)
    candle_time = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "ta_market_regime"
        constraints = [models.UniqueConstraint(fields=("symbol", "timeframe"), name="ta_regime_unique_series")]

    def __str__(self) -> str:
        return f"{self.symbol_id} {self.timeframe} {self.regime}"

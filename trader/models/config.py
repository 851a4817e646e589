"""The trader's runtime config: one row, read at the start of every cycle (hot reload).

Defaults are the bot's former hard-coded values (DESIGN.md "Runtime config"). Every field
has a validated range; changes go through ``trader.services.config`` so each one is
audited (who, when, through what, old -> new).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from trader.models.books import Venue
from trader.models.orders import EntryOrderType

# ASCII digits only (\d also takes "٦٠", which int() reads as 60); \Z, not $, refuses "60+\n".
LEVERAGE_RULE_KEY = re.compile(r"^(?P<min_score>[0-9]{1,3})\+\Z")
SYMBOL_PATTERN = re.compile(r"^[A-Z0-9]{2,20}USDT$")
MAX_EXCHANGE_LEVERAGE = 125
MAX_TA_BONUS = 45  # ribbon 10 + squeeze 15 + divergence 20: the most the TA bonus can add


def default_leverage_rules() -> dict[str, int]:
    return {"60+": 7, "default": 5}


def validate_leverage_rules(rules: Any) -> None:
    """``{"<min score>+": leverage, ..., "default": leverage}``, leverages 1..125."""
    if not isinstance(rules, dict) or "default" not in rules:
        raise ValidationError('leverage_rules must be an object with a "default" entry, e.g. {"60+": 7, "default": 5}')
    for key, leverage in rules.items():
        if key != "default":
            match = LEVERAGE_RULE_KEY.match(str(key))
            if not match or int(match["min_score"]) > 100:
                raise ValidationError(f'leverage_rules key {key!r} must look like "60+" (a score 0-100 and a plus)')
        if isinstance(leverage, bool) or not isinstance(leverage, int) or not 1 <= leverage <= MAX_EXCHANGE_LEVERAGE:
            raise ValidationError(f"leverage_rules[{key!r}] must be a whole number from 1 to {MAX_EXCHANGE_LEVERAGE}")


def default_strategies() -> list[str]:
    return ["scanner"]


def validate_strategies(names: Any) -> None:
    """A non-empty list of registered strategy names (ta/engine/strategies), no repeats."""
    from ta.engine.strategies.registry import strategy_names_validate

    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ValidationError('strategies must be a non-empty list of names, e.g. ["scanner"]')
    if len(set(names)) != len(names):
        raise ValidationError("lists a strategy twice")
    try:
        strategy_names_validate(names)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def validate_symbol_list(symbols: Any) -> None:
    """A list of exchange symbols such as ``BTCUSDT`` (upper case, USDT-quoted, no repeats)."""
    if not isinstance(symbols, list):
        raise ValidationError("must be a list of symbols such as BTCUSDT")
    for symbol in symbols:
        if not isinstance(symbol, str) or not SYMBOL_PATTERN.match(symbol):
            raise ValidationError(f"{symbol!r} is not an exchange symbol such as BTCUSDT")
    if len(set(symbols)) != len(symbols):
        raise ValidationError("lists a symbol twice")


def _pct(low: str, high: str) -> list:
    return [MinValueValidator(Decimal(low)), MaxValueValidator(Decimal(high))]


def _int_range(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class KillSwitchReference(models.TextChoices):
    STARTING_BALANCE = "starting_balance", "starting balance"
    EQUITY_PEAK = "equity_peak", "equity peak"


class SizingMode(models.TextChoices):
    MARGIN_PCT = "margin_pct", "margin: % of equity"
    RISK = "risk", "risk: % of equity to the stop"


class TraderConfig(models.Model):
    """The one runtime-config row (pk 1). Percentages are plain numbers: 5.0 means 5 %."""

    venue = models.CharField(
        max_length=10, choices=Venue.choices, default=Venue.COINEX,
        help_text="The exchange the bot trades on; with the mode it names the book the cycle manages. "
        "Changed only while paused.",
    )
    position_size_pct = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("5.0"), validators=_pct("0.1", "100"),
        help_text="Margin per new position, % of equity (0.1-100).",
    )
    sizing_mode = models.CharField(
        max_length=12, choices=SizingMode.choices, default=SizingMode.MARGIN_PCT,
        help_text="margin_pct: margin = position_size_pct of equity. risk: size = equity x risk_per_trade_pct / "
        "|entry - stop|, the stop from the signal (else sl_pct).",
    )
    risk_per_trade_pct = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.0"), validators=_pct("0.1", "3"),
        help_text="Risk sizing: equity lost if the stop is hit, % (0.1-3). Every entry's risk to its stop is "
        "capped at 3 % of equity in either mode.",
    )
    max_strategy_exposure_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("25"), validators=_pct("1", "100"),
        help_text="Margin one strategy may hold in open positions, % of equity (1-100).",
    )
    max_total_exposure_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("100"), validators=_pct("1", "100"),
        help_text="Margin all open positions may hold together, % of equity (1-100).",
    )
    max_portfolio_heat_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("6"), validators=_pct("0.1", "100"),
        help_text="Portfolio heat limit: the open positions' risk to their stops together, % of equity (0.1-100).",
    )
    uncertain_risk_factor = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0"), validators=_pct("0", "1"),
        help_text="With the regime mapping: coins in the uncertain regime may open with the configured strategies "
        "at this fraction of the usual risk (0-1; 0 opens nothing, as before).",
    )
    max_positions = models.PositiveSmallIntegerField(
        default=3, validators=_int_range(1, 50), help_text="Open positions at most (1-50)."
    )
    max_leverage = models.PositiveSmallIntegerField(
        default=10, validators=_int_range(1, MAX_EXCHANGE_LEVERAGE),
        help_text="Leverage cap (1-125): of each position, and of the account (open notional / equity)."
    )
    leverage_rules = models.JSONField(
        default=default_leverage_rules, validators=[validate_leverage_rules],
        help_text='Leverage by score bracket, e.g. {"60+": 7, "default": 5}; capped by max_leverage.',
    )
    kill_switch_drawdown_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("50"), validators=_pct("1", "100"),
        help_text="Equity drawdown that latches the kill switch and closes everything, % (1-100).",
    )
    kill_switch_reference = models.CharField(
        max_length=20, choices=KillSwitchReference.choices, default=KillSwitchReference.STARTING_BALANCE,
        help_text="Drawdown measured from the starting balance or from the equity peak.",
    )
    tp_pct = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("5.0"), validators=_pct("0.1", "1000"),
        help_text="Take profit at this gain, % of margin (0.1-1000).",
    )
    sl_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("3.0"), validators=_pct("0.1", "100"),
        help_text="Stop loss at this loss, % of margin; stored positive, applied negative (0.1-100).",
    )
    trailing_stop = models.BooleanField(default=True, help_text="Trail the stop behind the best price once in profit.")
    circuit_breaker_threshold = models.PositiveSmallIntegerField(
        default=3, validators=_int_range(1, 20), help_text="Consecutive failures that lock the bot (1-20)."
    )
    scan_interval_minutes = models.PositiveSmallIntegerField(
        default=5, validators=_int_range(1, 1440), help_text="Minutes between trading cycles (1-1440)."
    )
    long_threshold = models.PositiveSmallIntegerField(
        default=45, validators=_int_range(0, 100), help_text="Score needed to open a long (0-100)."
    )
    short_threshold = models.PositiveSmallIntegerField(
        default=50, validators=_int_range(0, 100), help_text="Score needed to open a short (0-100)."
    )
    coin_whitelist = models.JSONField(
        default=list, blank=True, validators=[validate_symbol_list],
        help_text="Only these symbols may be traded (empty: all enabled symbols).",
    )
    coin_blacklist = models.JSONField(
        default=list, blank=True, validators=[validate_symbol_list], help_text="These symbols are never traded."
    )
    use_ta_signals = models.BooleanField(
        default=False, help_text="Add the TA bonus (capped) to the base score when deciding entries."
    )
    ta_bonus_cap = models.PositiveSmallIntegerField(
        default=30, validators=_int_range(0, MAX_TA_BONUS), help_text="Most the TA bonus may add (0-45)."
    )
    strategies = models.JSONField(
        default=default_strategies, validators=[validate_strategies],
        help_text='Strategies that may open positions, e.g. ["scanner", "supertrend"] (default: the scanner only).',
    )
    use_regime_mapping = models.BooleanField(
        default=False,
        help_text="Only the strategy the coin's regime maps to may open (trending: supertrend, ranging: mean "
        "reversion, high volatility: squeeze breakout, uncertain: none), if it is in strategies.",
    )
    entry_order_type = models.CharField(
        max_length=6, choices=EntryOrderType.choices, default=EntryOrderType.MARKET,
        help_text="Enter with a market order (the default) or a limit order at limit_offset_pct from the signal "
        "price, managed by the order manager (timeout, re-price, abandon).",
    )
    limit_offset_pct = models.DecimalField(
        max_digits=5, decimal_places=3, default=Decimal("0.05"), validators=_pct("0", "5"),
        help_text="Limit entries rest this % better than the signal price: below it for a long, above for a "
        "short (0-5).",
    )
    limit_post_only = models.BooleanField(
        default=True, help_text="Limit entries are post-only (maker only: refused rather than filled as a taker).")
    limit_timeout_s = models.PositiveIntegerField(
        default=300, validators=_int_range(10, 86_400),
        help_text="Seconds a limit entry rests before it is re-priced, abandoned or cancelled (10-86400; checked "
        "every cycle).",
    )
    limit_max_reprices = models.PositiveSmallIntegerField(
        default=2, validators=_int_range(0, 10), help_text="Re-prices of a timed-out limit entry at most (0-10).")
    limit_abandon_pct = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1.0"), validators=_pct("0.01", "50"),
        help_text="A timed-out limit entry is abandoned when the price ran more than this % away from the signal "
        "price (0.01-50).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "trader config"
        verbose_name_plural = "trader config"

    def __str__(self) -> str:
        return "Trader config"

    def clean(self) -> None:
        overlap = sorted(set(self.coin_whitelist or []) & set(self.coin_blacklist or []))
        if overlap:
            raise ValidationError({"coin_blacklist": f"also whitelisted: {', '.join(overlap)}"})

    @classmethod
    def editable_field_names(cls) -> list[str]:
        """The fields a user may change (everything but the id and timestamps)."""
        return [f.name for f in cls._meta.concrete_fields if f.name not in ("id", "updated_at")]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """Every editable field's default value."""
        return {name: cls._meta.get_field(name).get_default() for name in cls.editable_field_names()}

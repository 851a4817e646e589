"""What one backtest run is configured with: the trader's entry settings plus exits and costs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

from coinex.dto import Market
from coinex.simulator.markets import default_markets
from trader.cycle.orders import EntryOrderSettings
from trader.cycle.rules import EntrySettings
from trader.models import TraderConfig


@dataclass(frozen=True)
class BacktestSettings:
    """One run's rules.

    ``entry``: the live cycle's ``EntrySettings`` (thresholds, max positions, leverage
    rules, size, TA bonus switch and cap). ``tp_pct``/``sl_pct``: % of margin, as the
    live config (``trader.cycle.exits``). ``fee_rate``: taker fee per fill as a fraction
    (None: each market's own, 0.05 %). ``slippage_rate``: market fills move this
    fraction against the taker. ``funding_rate_8h``: charged to longs (paid to shorts)
    at 00/08/16 UTC on the notional; 0 disables it. ``kill_switch_drawdown_pct``: the
    live kill switch (drawdown from ``kill_switch_reference``, ``starting_balance`` or
    ``equity_peak``, closes everything and stops trading); None disables it. ``entry_orders``:
    market entries (the default) or resting limit entries managed as live
    (``trader.backtest.limit_entries``).
    """

    entry: EntrySettings
    tp_pct: Decimal
    sl_pct: Decimal
    trailing_stop: bool
    starting_balance: Decimal = Decimal(10_000)
    fee_rate: Decimal | None = None
    slippage_rate: Decimal = Decimal(0)
    funding_rate_8h: Decimal = Decimal(0)
    kill_switch_drawdown_pct: Decimal | None = None
    kill_switch_reference: str = "starting_balance"
    markets: dict[str, Market] = field(default_factory=default_markets)
    entry_orders: EntryOrderSettings = field(default_factory=EntryOrderSettings)

    def markets_effective(self) -> dict[str, Market]:
        """The markets with ``fee_rate`` applied as the taker fee (when set)."""
        if self.fee_rate is None:
            return dict(self.markets)
        return {symbol: dataclasses.replace(market, taker_fee_rate=self.fee_rate)
                for symbol, market in self.markets.items()}


def settings_from_config(config: TraderConfig, **overrides: object) -> BacktestSettings:
    """The live config (thresholds, exits, sizing, kill switch) as backtest settings; ``overrides``
    replace fields of ``BacktestSettings`` or, by the same name, of its ``EntrySettings``."""
    from trader.cycle.run import entry_order_settings_from, entry_settings_from

    entry = entry_settings_from(config)
    entry_fields = {f.name for f in dataclasses.fields(EntrySettings)}
    entry_overrides = {k: v for k, v in overrides.items() if k in entry_fields}
    other = {k: v for k, v in overrides.items() if k not in entry_fields}
    settings = BacktestSettings(
        entry=dataclasses.replace(entry, **entry_overrides), tp_pct=config.tp_pct, sl_pct=config.sl_pct,
        trailing_stop=config.trailing_stop, kill_switch_drawdown_pct=config.kill_switch_drawdown_pct,
        kill_switch_reference=str(config.kill_switch_reference), entry_orders=entry_order_settings_from(config),
    )
    return dataclasses.replace(settings, **other)

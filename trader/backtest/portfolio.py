"""The portfolio simulation: every symbol's steps on one clock, one account, the live rules.

Per step (one candle of the step timeframe, all symbols at once), in the live cycle's
order (``trader.cycle.run``: exits before entries):

1. Protective orders inside the candle. The live bot keeps a stop-loss and a
   take-profit on the exchange at ``protective_levels`` (rounded to the tick). If the
   candle's low/high touches the stop it fills there (at the open when the candle
   opened beyond it); otherwise, if it touches the take-profit, that fills (same gap
   rule). **When a candle touches both, the stop fills first** (we cannot know the
   path inside the candle; assuming the worse outcome keeps results honest).
2. The cycle at the candle's close: ``exit_decide`` on the close updates the best
   price and closes on TP/SL/trailing at the close (a trailing stop moved by this
   close protects from the next candle on, as the live watchdog re-places it).
3. Funding at 00/08/16 UTC on open positions (when a rate is set).
4. Kill switch: drawdown at the close from the starting balance (or the equity peak, as
   configured) reaches the limit -> close all, stop trading.
5. Entries: symbols whose best side passes its threshold, strongest first, each
   through ``entry_plan`` (the live rules and sizing) and filled at the close as a
   market order on the simulator (slippage and taker fee).

Fills, fees, margin and liquidation are the paper exchange's engine
(``coinex.simulator.SimulatedAccount``) on a simulated clock. Positions still open
at the end are closed at the last close (reason ``end``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import numpy as np

from coinex.dto import MarginMode, OrderSide, OrderType, PositionSide
from coinex.errors import OrderRejected
from coinex.simulator.engine import SimulatedAccount
from coinex.simulator.state import SimState
from trader.backtest.data import SymbolHistory
from trader.backtest.grid import grid_build, passing_steps
from trader.backtest.limit_entries import LimitEntries
from trader.backtest.quiet import LEVEL_COLUMNS, quiet_until
from trader.backtest.settings import BacktestSettings
from trader.backtest.strategy import BacktestStrategy
from trader.cycle.allocator import Allocation, OpenPosition, allocation_build, resting_rest
from trader.cycle.exits import exit_decide, protective_levels
from trader.cycle.rules import Account, Candidate, EntryPlan, candidate_best_side, entry_plan, score_counted
from trader.models import Side

NS_PER_HOUR = 3_600 * 1_000_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FUNDING_EVERY_NS = 8 * NS_PER_HOUR
REASON_END = "end"
REASON_KILL_SWITCH = "kill_switch"
PROGRESS_EVERY_STEPS = 500

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class TradeResult:
    """One closed trade; prices are fills (after slippage), ``pnl`` is net of both fees and funding (USDT)."""

    symbol: str
    side: str
    entry_time: datetime
    entry_price: Decimal
    exit_time: datetime | None = None
    exit_price: Decimal | None = None
    amount: Decimal = Decimal(0)
    leverage: int = 1
    margin: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    funding: Decimal = Decimal(0)
    pnl: Decimal = Decimal(0)
    reason: str = ""
    score: int = 0
    ta_bonus: int = 0
    strategy: str = ""
    best_price: Decimal | None = None
    stop_price: Decimal | None = None  # a risk-sized position's own stop (trader.cycle.exits)
    cache: dict = field(default_factory=dict, repr=False)


@dataclass
class RunResult:
    """Trades (in closing order), the equity at every step's close, and the run's frame."""

    trades: list[TradeResult]
    times_ns: np.ndarray
    equity: np.ndarray
    exposure: np.ndarray
    starting_balance: Decimal
    candles: int
    kill_switch_at: datetime | None = None
    rejected_orders: int = 0
    strategy: str = ""
    extra: dict = field(default_factory=dict)


def _decimal(value: float) -> Decimal:
    """A candle price as the Decimal of its shortest repr (the CSV's own digits); ``float.__repr__`` also
    for a numpy float, whose own repr is ``np.float64(...)``."""
    return Decimal(float.__repr__(value))


def _when(ns: int) -> datetime:
    """Aware UTC time of epoch nanoseconds, exact to the microsecond (no float on the way)."""
    seconds, rest = divmod(ns, 1_000_000_000)
    if not rest:  # candle times: whole seconds, the fast constructor
        return datetime.fromtimestamp(seconds, UTC)
    return EPOCH + timedelta(microseconds=ns // 1_000)


class PortfolioRun(LimitEntries):
    """One run over ``histories`` with ``strategy`` and ``settings`` (see the module docstring)."""

    @property
    def now(self) -> datetime:
        """The simulated clock: the close time of the current step."""
        return self._clock()

    def _clock(self) -> datetime:  # the simulator's clock (read on every order and fill)
        now = self._now
        if now is None:  # built when first read in a step: most simulated steps never read it
            now = self._now = _when(self._now_ns)
        return now

    @property
    def now_ns(self) -> int:
        return self._now_ns

    @now_ns.setter
    def now_ns(self, value: int) -> None:
        # The simulator reads the clock on every order and fill: the datetime is built once per step.
        self._now_ns, self._now = value, None

    def __init__(self, *, histories: list[SymbolHistory], strategy: BacktestStrategy, settings: BacktestSettings,
                 start: datetime | None = None, end: datetime | None = None,
                 progress: Progress | None = None, skip_quiet: bool = True) -> None:
        self.settings = settings
        self.skip_quiet = skip_quiet
        self.strategy = strategy
        self.progress = progress
        timeframe = strategy.timeframes[0]
        scores = [strategy.scores(history) for history in histories]
        self.grid = grid_build(histories, scores, timeframe, start, end)
        self.now_ns = int(self.grid.times_ns[0]) if self.grid.times_ns.size else 0
        self.markets = settings.markets_effective()
        self.account = SimulatedAccount(state=SimState(wallet=settings.starting_balance), markets=self.markets,
                                        clock=self._clock, slippage_rate=settings.slippage_rate)
        self.open: dict[str, TradeResult] = {}
        self.pending = {}  # resting limit entries (trader.backtest.limit_entries)
        self.entry_order_events = []
        self.trades: list[TradeResult] = []
        self.rejected = 0
        self.columns = {symbol: index for index, symbol in enumerate(self.grid.symbols)}
        self._account_cache()
        step_ns = int(np.median(np.diff(self.grid.times_ns))) if self.grid.times_ns.size > 1 else 300 * 10**9
        self.step_ns = step_ns

    # --- fills on the simulator ------------------------------------------------------------
    def _close(self, symbol: str, price: Decimal, reason: str) -> None:
        """Close ``symbol`` with a market order with the mark at ``price`` (slippage and fee apply); the
        rest of a part-filled limit entry is cancelled first."""
        self._limit_drop(symbol, "cancelled")
        trade = self.open.pop(symbol)
        self.account.price_update(symbol=symbol, price=price)
        if symbol not in self.account.state.positions:  # liquidated by the move to ``price``
            order = self.account.triggered[-1]
            reason = "liquidation"
        else:
            order = self.account.position_close(symbol=symbol, amount=None, client_id=None)
        trade.exit_time = self.now
        trade.exit_price = order.filled_value / order.filled_amount if order.filled_amount else price
        trade.fees += order.fee
        trade.pnl = order.realized_pnl - trade.fees + trade.funding
        trade.reason = reason
        self.trades.append(trade)
        self._account_cache()

    def _account_cache(self) -> None:
        """Floats of the wallet and open positions for the per-step equity (refreshed after each fill).

        Finished orders are dropped from the simulator (it scans its order book on every price
        update); resting limit entries are not finished and stay."""
        state = self.account.state
        orders = state.orders
        for order_id in [i for i, o in orders.items() if o.status.is_final]:
            del orders[order_id]
        self.wallet = float(state.wallet)
        self.positions_f = positions_f = []
        self.margin_f = 0.0
        for p in state.positions.values():
            margin = float(p.margin)
            positions_f.append((p.symbol, float(p.entry_price),
                                float(p.amount) * (1.0 if p.side == PositionSide.LONG else -1.0), margin))
            self.margin_f += margin
        self._levels_array = None  # rebuilt by _quiet_until when next asked

    def _open(self, plan: EntryPlan, price: Decimal) -> None:
        candidate = plan.candidate
        symbol = candidate.symbol
        if self.settings.entry_orders.limit:
            self.account.price_update(symbol=symbol, price=price)
            if self.account.state.leverage.get(symbol) != (plan.leverage, MarginMode.ISOLATED):
                self.account.leverage_set(symbol=symbol, leverage=plan.leverage, margin_mode=MarginMode.ISOLATED)
            self._limit_open(plan, price)
            return
        try:
            self.account.price_update(symbol=symbol, price=price)
            if self.account.state.leverage.get(symbol) != (plan.leverage, MarginMode.ISOLATED):  # else a no-op
                self.account.leverage_set(symbol=symbol, leverage=plan.leverage, margin_mode=MarginMode.ISOLATED)
            side = OrderSide.BUY if candidate.side == Side.LONG else OrderSide.SELL
            order = self.account.order_place(symbol=symbol, side=side, type=OrderType.MARKET, amount=plan.amount,
                                             price=None, client_id=None)
        except OrderRejected:
            self.rejected += 1
            return
        position = self.account.state.positions[symbol]
        self.open[symbol] = TradeResult(
            symbol=symbol, side=str(candidate.side), entry_time=self.now, entry_price=order.filled_value / order.amount,
            amount=order.amount, leverage=plan.leverage, margin=position.margin, fees=order.fee, score=plan.score,
            ta_bonus=plan.ta_bonus_counted, strategy=self.strategy.name, stop_price=plan.risk_stop_price,
        )
        self._levels(self.open[symbol])
        self._account_cache()

    # --- the steps ---------------------------------------------------------------------------
    def _levels(self, trade: TradeResult) -> None:
        """Cache the position's protective prices as floats (recomputed when the best price moves).

        ``stop``/``take``: the exchange's orders (``protective_levels`` rounded to the tick);
        ``hold_low``/``hold_high``: the closes strictly between which ``exit_decide`` provably
        returns no exit (its own unrounded TP/SL and trailing levels)."""
        settings, market = self.settings, self.markets[trade.symbol]
        levels = protective_levels(side=trade.side, entry_price=trade.entry_price, leverage=trade.leverage,
                                   best_price=trade.best_price, tp_pct=settings.tp_pct, sl_pct=settings.sl_pct,
                                   trailing_stop=settings.trailing_stop, stop_price=trade.stop_price)
        stop, take = float(levels.stop_loss), float(levels.take_profit)
        trade.cache = {
            "stop": float(market.price_round(levels.stop_loss)), "take": float(market.price_round(levels.take_profit)),
            "trailing": levels.trailing_active, "long": trade.side == Side.LONG,
            "hold_low": min(stop, take), "hold_high": max(stop, take),
            "best": float(trade.best_price) if trade.best_price is not None else None,
        }
        # The row of trader.backtest.quiet's levels array, without the position's entry and amount.
        cache = trade.cache
        trade.cache["levels"] = (self.columns[trade.symbol], 1.0 if cache["long"] else 0.0, cache["stop"],
                                 cache["take"], cache["hold_low"], cache["hold_high"],
                                 np.nan if cache["best"] is None else cache["best"])
        self._levels_array = None

    def _protective(self, column: int, step: int, trade: TradeResult) -> None:
        """Step 1 of the module docstring for one open position."""
        grid, cache = self.grid, trade.cache
        high, low = grid.high[step, column], grid.low[step, column]
        if high != high:  # NaN: no candle for this symbol at this step
            return
        long, stop, take = cache["long"], cache["stop"], cache["take"]
        if (low <= stop) if long else (high >= stop):
            candle_open = grid.open[step, column]
            fill = min(candle_open, stop) if long else max(candle_open, stop)
            self._close(trade.symbol, _decimal(fill), "trailing" if cache["trailing"] else "sl")
        elif (high >= take) if long else (low <= take):
            candle_open = grid.open[step, column]
            fill = max(candle_open, take) if long else min(candle_open, take)
            self._close(trade.symbol, _decimal(fill), "tp")

    def _cycle_exit(self, column: int, step: int, trade: TradeResult) -> None:
        """Step 2: the live cycle's ``exit_decide`` at the candle's close.

        Fast path: a close strictly inside the hold band that is not a new best price
        cannot change the decision (no exit, same levels), so it is skipped. Without a
        trailing stop the best price moves no level and is not tracked."""
        close = self.grid.close[step, column]
        if close != close:  # NaN: no candle for this symbol at this step
            return
        cache = trade.cache
        best = cache["best"]
        new_best = self.settings.trailing_stop and (best is None or (close > best if cache["long"] else close < best))
        if not new_best and cache["hold_low"] < close < cache["hold_high"]:
            return
        price = _decimal(close)
        decision = exit_decide(side=trade.side, entry_price=trade.entry_price, price=price, leverage=trade.leverage,
                               best_price=trade.best_price, tp_pct=self.settings.tp_pct,
                               sl_pct=self.settings.sl_pct, trailing_stop=self.settings.trailing_stop,
                               stop_price=trade.stop_price)
        if decision.reason is not None:
            trade.best_price = decision.best_price
            self._close(trade.symbol, price, str(decision.reason))
        elif decision.best_price != trade.best_price:
            trade.best_price = decision.best_price
            self._levels(trade)

    def _funding(self) -> None:
        rate = self.settings.funding_rate_8h
        for symbol, trade in self.open.items():
            trade.funding += self.account.funding_apply(symbol=symbol, rate=rate)

    def _entries(self, step: int, columns: list[int]) -> None:
        """Step 5: candidates strongest first through ``entry_plan``, as ``trader.cycle.run._entries``."""
        grid, entry = self.grid, self.settings.entry
        if len(self.open.keys() | self.pending.keys()) >= entry.max_positions:
            return  # every plan would fail max_positions
        now = self.now
        candidates = []
        for column in columns:
            close = grid.close[step, column]
            if self.strategy.decides_entry:  # as trader.cycle.signals does for a suite strategy's signal
                long = grid.signal_side[step, column] > 0
                candidates.append(Candidate(
                    symbol=grid.symbols[column], side=Side.LONG if long else Side.SHORT,
                    base_score=int(grid.long_score[step, column] if long else grid.short_score[step, column]),
                    ta_bonus=0, scanned_at=now, price=_decimal(close), strategy=self.strategy.name,
                    signal_reason="signal"))
                continue
            candidates.append(candidate_best_side(
                symbol=grid.symbols[column], long_score=int(grid.long_score[step, column]),
                short_score=int(grid.short_score[step, column]), long_bonus=int(grid.long_bonus[step, column]),
                short_bonus=int(grid.short_bonus[step, column]), scanned_at=now,
                price=_decimal(close), settings=entry))
        # Same order as trader.cycle.signals.scan_candidates: counted score (bonus capped), strongest first.
        if len(candidates) > 1:
            candidates.sort(key=lambda c: score_counted(candidate=c, settings=entry)[0], reverse=True)
        for symbol in self.open:
            close = grid.close[step, self.columns[symbol]]
            if close == close:
                self.account.price_update(symbol=symbol, price=_decimal(close))
        balance = self.account.balance()
        account = Account(enabled=True, lock=None, equity=balance.equity, available=balance.available,
                          open_symbols=set(self.open) | set(self.pending), allocation=self._allocation())
        available_stale = False
        for candidate in candidates:
            if len(account.open_symbols) >= entry.max_positions:
                break  # every further plan fails max_positions
            if available_stale:  # refreshed only when another candidate is asked (as the cycle sees it)
                account.available, available_stale = self.account.available(), False
            plan = entry_plan(candidate=candidate, settings=entry, account=account, markets=self.markets,
                              now=now, max_signal_age_s=0)
            if not plan.passed:
                continue
            self._open(plan, candidate.price)
            if candidate.symbol in self.open or candidate.symbol in self.pending:
                account.open_symbols.add(candidate.symbol)
                account.allocation.add(strategy=candidate.strategy, margin=plan.margin, notional=plan.notional,
                                       risk=plan.risk)
                available_stale = True

    def _allocation(self) -> Allocation:
        """The open positions' allocation, as the live cycle builds it from its book's open trades; under the
        name the run's candidates carry (a scored strategy's are the scanner's, as candidate_best_side makes them)."""
        name = self.strategy.name if self.strategy.decides_entry else Candidate._field_defaults["strategy"]
        positions = [
            OpenPosition(name, trade.symbol, trade.side, trade.amount, trade.entry_price, trade.leverage,
                         trade.margin, trade.stop_price if trade.stop_price is not None else _decimal(
                             trade.cache["stop"]) if trade.cache else None)
            for trade in self.open.values()]
        for entry in self.pending.values():  # the unfilled rest of resting limit entries, as the live cycle counts it
            plan = entry.plan
            rest = resting_rest(strategy=name, symbol=plan.candidate.symbol, side=plan.candidate.side,
                                amount=plan.amount, filled=entry.filled, price=entry.limit_price,
                                leverage=plan.leverage, stop=plan.risk_stop_price)
            if rest is not None:
                positions.append(rest)
        return allocation_build(positions=positions, sl_pct=self.settings.sl_pct)

    def _equity(self, step: int, columns: dict[str, int]) -> tuple[float, float]:
        """(equity at the closes, margin in positions) in USDT, as floats for the curve."""
        equity = self.wallet
        for symbol, entry, signed_amount, _margin in self.positions_f:
            close = self.grid.close[step, columns[symbol]]
            if close == close:  # not NaN: a symbol without a candle keeps its entry as mark
                equity += (close - entry) * signed_amount
        return equity, self.margin_f

    def run(self) -> RunResult:
        """Simulate every step; returns the trades and the equity curve."""
        grid, settings = self.grid, self.settings
        columns = self.columns
        passing = passing_steps(grid, settings, decides_entry=self.strategy.decides_entry)
        # The passing columns of each candidate step: a slice of one flat list (rows come sorted).
        passing_rows, passing_columns = np.nonzero(passing)
        steps_with_candidates = np.unique(passing_rows)
        bounds = [*np.searchsorted(passing_rows, steps_with_candidates).tolist(), passing_rows.size]
        steps_with_candidates = steps_with_candidates.tolist()
        candidate_columns = dict(zip(steps_with_candidates, pairwise(bounds), strict=True))
        passing_columns = passing_columns.tolist()
        times_ns = grid.times_ns.tolist()
        total = grid.times_ns.size
        equity = np.empty(total)
        exposure = np.empty(total)
        kill_switch_at = None
        starting = float(settings.starting_balance)
        kill_pct = None if settings.kill_switch_drawdown_pct is None else float(settings.kill_switch_drawdown_pct)
        peak_mode = settings.kill_switch_reference == "equity_peak"
        reference = starting  # the kill switch's: the starting balance, or the equity peak so far
        skip = self.skip_quiet and not settings.funding_rate_8h
        step = 0
        while step < total:
            if skip and not self.pending:
                quiet_end = self._quiet_until(step, total, steps_with_candidates, reference, peak_mode,
                                              None if kill_switch_at else kill_pct, kill_switch_at is None, equity)
                if quiet_end > step:
                    if peak_mode:
                        reference = max(reference, float(equity[step:quiet_end].max()))
                    exposure[step:quiet_end] = self.margin_f
                    if self.progress:
                        self.progress(quiet_end, total)
                    step = quiet_end
                    if step == total:
                        break
                    # ``step`` is the first step that is not quiet: asking again would scan it again and
                    # return it unchanged, so it is simulated at once.
            open_ns = times_ns[step]
            close_ns = open_ns + self.step_ns
            self.now_ns = close_ns
            for symbol in list(self.pending):
                self._limit_step(columns[symbol], step, symbol)
            for symbol in list(self.open):
                self._protective(columns[symbol], step, self.open[symbol])
            for symbol in list(self.open):
                self._cycle_exit(columns[symbol], step, self.open[symbol])
            if settings.funding_rate_8h and self.open and close_ns % FUNDING_EVERY_NS < self.step_ns:
                self._funding()
            value, margin = self._equity(step, columns)
            if peak_mode:
                reference = max(reference, value)
            if kill_switch_at is None and kill_pct is not None and (reference - value) / reference * 100 >= kill_pct:
                kill_switch_at = self.now
                self._close_all(step, columns, REASON_KILL_SWITCH)
                value, margin = self._equity(step, columns)
            if kill_switch_at is None and step in candidate_columns:
                first, stop = candidate_columns[step]
                self._entries(step, passing_columns[first:stop])
                value, margin = self._equity(step, columns)
            equity[step], exposure[step] = value, margin
            if self.progress and (step % PROGRESS_EVERY_STEPS == 0 or step == total - 1):
                self.progress(step + 1, total)
            step += 1
        if total:
            self.now_ns = int(grid.times_ns[-1]) + self.step_ns  # the last step may have been skipped as quiet
            self._close_all(total - 1, columns, REASON_END)
            equity[-1] = float(self.account.state.wallet)
        return RunResult(trades=self.trades, times_ns=grid.times_ns + self.step_ns, equity=equity,
                         exposure=exposure, starting_balance=settings.starting_balance,
                         candles=int(np.count_nonzero(~np.isnan(grid.close))), kill_switch_at=kill_switch_at,
                         rejected_orders=self.rejected, strategy=self.strategy.name,
                         extra={"entry_orders": self.entry_order_events} if self.settings.entry_orders.limit else {})

    def _quiet_until(self, step: int, total: int, candidate_steps: list[int], reference: float, peak_mode: bool,
                     kill_pct: float | None, may_enter: bool, equity: np.ndarray) -> int:
        """The first step from ``step`` on that is not quiet (see trader.backtest.quiet)."""
        limit = total
        if may_enter and len(self.open) < self.settings.entry.max_positions:
            index = bisect_left(candidate_steps, step)
            limit = candidate_steps[index] if index < len(candidate_steps) else total
        if limit == step:
            return step
        if not self.open:  # flat: the equity is the wallet until the next candidate
            flat_reference = max(reference, self.wallet) if peak_mode else reference
            if kill_pct is not None and (flat_reference - self.wallet) / flat_reference * 100 >= kill_pct:
                return step
            equity[step:limit] = self.wallet
            return limit
        if self._levels_array is None:  # the open positions changed since the last stretch
            amounts = {symbol: (entry, signed) for symbol, entry, signed, _margin in self.positions_f}
            self._levels_array = np.array(
                [trade.cache["levels"] + amounts[symbol] for symbol, trade in self.open.items()],
                dtype=np.float64).reshape(len(self.open), LEVEL_COLUMNS)
        return quiet_until(grid=self.grid, first=step, limit=limit, levels=self._levels_array,
                           trailing=self.settings.trailing_stop, wallet=self.wallet, reference=reference,
                           peak_mode=peak_mode, kill_switch_pct=kill_pct, equity_out=equity)

    def _close_all(self, step: int, columns: dict[str, int], reason: str) -> None:
        for symbol in list(self.pending):
            self._limit_drop(symbol, "cancelled")
        for symbol in list(self.open):
            close = self.grid.close[step, columns[symbol]]
            price = _decimal(close) if not np.isnan(close) else self.account.mark_price(symbol)
            self._close(symbol, price, reason)


def backtest_run(*, histories: list[SymbolHistory], strategy: BacktestStrategy, settings: BacktestSettings,
                 start: datetime | None = None, end: datetime | None = None,
                 progress: Progress | None = None, skip_quiet: bool = True) -> RunResult:
    """Run ``strategy`` over ``histories`` from ``start`` to ``end`` (open times; None = all) with ``settings``.

    ``skip_quiet`` False simulates every step one by one (the reference for the quiet-stretch skip)."""
    return PortfolioRun(histories=histories, strategy=strategy, settings=settings, start=start, end=end,
                        progress=progress, skip_quiet=skip_quiet).run()

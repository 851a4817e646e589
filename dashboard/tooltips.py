"""Tooltip texts, word for word from the seeds (upgrades-v2 "Tooltips", platform-v3 "New tooltips").

``SCORE`` takes the side's threshold. The position texts are ours: the seed asks for
descriptions of entry price, mark price, margin and unrealized P&L without wording them.
"""

RSI = "Relative Strength Index (0-100). <30 oversold, >70 overbought"
VWAP = "Volume-Weighted Average Price deviation. Positive = above VWAP"
BB_POSITION = "Bollinger Band position. 0 = lower band, 1 = upper band"
SCORE = "Composite score (0-80). Signal threshold: {threshold}"
CHANGE_24H = "Price change over last 24 hours"
LEVERAGE = "Suggested leverage based on signal strength"
EMA_RIBBON = "EMA Ribbon (8/13/21/34/55/89). Green = all EMAs stacked bullish. Red = bearish. Yellow = mixed."
TTM_SQUEEZE = ("TTM Squeeze. Red dot = volatility compression (coiled spring). Green dot = squeeze just fired. "
               "Direction shown by momentum.")
STOCH_RSI_DIV = ("Stochastic RSI Divergence. Bullish divergence = price falling but momentum rising "
                 "(reversal signal).")

PRICE = "Last price: close of the newest 5-minute candle"
# The card's derivatives line (ours: the seed trading-support lists the data, not its wording).
OPEN_INTEREST = ("Open interest: USDT value of all open futures positions (newest 5m value) and its change over "
                 "24 h. Rising with price = new positions behind the move")
FUNDING = ("Funding rate of the last settlement (per 8 h). Positive = longs pay shorts. "
           "Beyond +/-0.05 % one side is crowded (a contrarian factor)")
DERIVATIVES_NONE = "No open interest or funding stored for this coin yet"
# The symbol page's panels under the chart.
PANEL_OI = "Open interest in USDT per period: rising with price = new positions behind the move (factor OI)"
PANEL_CVD = ("Cumulative volume delta: running sum of taker buys minus taker sells (USDT). Price falling while "
             "CVD rises = absorption (factor CVD)")
PANEL_RATIOS = ("Long/short ratios: global accounts, top traders' accounts and positions. Global >= 2 = crowded "
                "longs, <= 0.8 = crowded shorts (factor LS, contrarian)")
PRICE_MARK = "Mark price, live from the exchange stream (the candle close when the stream is not running)"
# The positions table's mark cell, by where the price came from (dashboard.selectors._position_row).
MARKED_BY = {
    "stream": "Mark price, live from the exchange stream; PnL at this price",
    "cycle": "Mark price the exchange reported at the last trading cycle (the stream is not running)",
    "candle": "Close of the newest 5-minute candle (no exchange mark price yet)",
}
TA_TOTAL = "Base score + TA bonus = total. The TA bonus is informational unless use_ta_signals is on."
SIGNAL_AGE = ("Time since this signal first appeared. Stale (clock) = active over 30 min without "
              "a score change over 5 points.")
ENTRY_PRICE = "Entry price: average fill price of the position"
MARK_PRICE = "Mark price: the price the exchange values the position at (PnL and liquidation use it)"
MARGIN = "Margin: collateral locked in this position (isolated)"
UNREALIZED_PNL = "Unrealized P&L: profit or loss if the position were closed at the mark price"
PNL_PCT = "P&L as % of the position's margin (TP/SL thresholds are measured the same way)"
LEVERAGE_POSITION = "Leverage of this position"
TP_SL = "Take-profit / stop-loss trigger prices"
KILL_SWITCH_DISTANCE = "Kill switch distance: drawdown points left before the kill switch closes everything"
PORTFOLIO_HEAT = ("Portfolio heat: what the open positions lose together if every stop is hit, % of equity. "
                  "No entry may take it above the limit (max_portfolio_heat_pct).")


def regime_tip(regime: dict) -> str:
    """The regime badge's tooltip: what the structure engine saw on 1h and the strategy it maps to."""
    strategy = regime.get("strategy") or "none (open nothing)"
    return (f"Market regime (1h): {str(regime.get('regime', '')).replace('_', ' ')}. "
            f"ADX {regime.get('adx')}, ATR% percentile {regime.get('atr_pct_percentile')}, "
            f"BB width percentile {regime.get('bb_width_percentile')}. Strategy: {strategy}.")

# The Signals page's table: the seed's output-format columns (trading-support "Output Format", with
# Entry2, R:R and Confidence from its example response) as ``(sort key, heading, tooltip)``. The
# seed gives no tooltips; these say what docs/STRUCTURE.md defines.
SIGNAL_COLUMNS = (
    ("symbol", "Symbol", "Futures symbol; below it the timeframe and the setup's pullback state"),
    ("score", "Market Score", "Confluence score 0-100: OB 25 + SR 25 + RSI 15 + FIB 20 + SWING 15, "
                              "+ OI, CVD, LS, FUND 10 each (derivatives), capped at 100"),
    ("direction", "Direction", "long: buy the pullback after an up-leg; short: sell the bounce after a down-leg"),
    ("price", "Price", "Latest close when the signal was last evaluated"),
    ("entry1", "Entry1", "First entry: Fibonacci retracement of the swing leg (long 0.70, short 0.618)"),
    ("entry2", "Entry2", "Second, deeper entry (long 0.72, short 0.69)"),
    ("sl", "SL", "Stop loss (long 0.90, short 0.789 of the leg); beyond it the setup is invalidated"),
    ("tp1", "TP1", "Take-profit 1 (long 0.5, short 0.382)"),
    ("tp2", "TP2", "Take-profit 2 (long 0.382, short 0.236)"),
    ("tp3", "TP3", "Take-profit 3 (long 0.236, short 0.0: the leg's end)"),
    ("swing_high", "SwingHigh", "The swing high of the leg the setup is drawn on"),
    ("swing_low", "SwingLow", "The swing low of the leg the setup is drawn on"),
    ("sr", "S/R", "Nearest support at or below the price / nearest resistance above it (- when none)"),
    ("confluence", "Confluence", "The factors that scored: OB order block, SR support/resistance, RSI, FIB, SWING; "
                                 "OI open interest, CVD divergence, LS crowding, FUND funding"),
    ("rr", "R:R", "Risk-reward: |TP3 - Entry1| / |Entry1 - SL|"),
    ("confidence", "Confidence", "0.7 x market score + 0.3 x min(R:R, 3)/3 x 100 (0-100)"),
)

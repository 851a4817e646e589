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

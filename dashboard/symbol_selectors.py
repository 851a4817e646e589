"""Reads of the symbol page: candles with the TA overlays, the bot's entries and exits, the TA in words."""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime
from typing import Any

from ta.analysis_selectors import ta_result_latest
from ta.models import ScanResult, Symbol
from trader.models import Trade

TIMEFRAMES = ("5m", "1h", "4h")
CHART_CANDLES = 300


def _candles(symbol: str, timeframe: str) -> list[dict[str, Any]]:
    from ta.selectors import candles_frame

    frame = candles_frame(symbol=symbol, timeframe=timeframe, limit=CHART_CANDLES)
    return [
        {"time": int(index.timestamp()), "open": row.open, "high": row.high, "low": row.low, "close": row.close}
        for index, row in frame.iterrows()
    ]


def _overlays(symbol: str, timeframe: str) -> dict[str, Any]:
    """EMA ribbon (8..89), Bollinger (20, 2) and Keltner (20, 1.5) bands and squeeze bars, per candle time."""
    from dashboard.overlays import overlays_compute
    from ta.selectors import candles_frame

    return overlays_compute(candles_frame(symbol=symbol, timeframe=timeframe, limit=CHART_CANDLES))


def _markers(symbol: str) -> list[dict[str, Any]]:
    markers = []
    for trade in Trade.objects.filter(symbol=symbol).order_by("opened_at")[:200]:
        long = trade.side == "long"
        markers.append({"time": int(trade.opened_at.timestamp()), "position": "belowBar" if long else "aboveBar",
                        "shape": "arrowUp" if long else "arrowDown", "color": "#3fb950" if long else "#f85149",
                        "text": f"{trade.side} @ {trade.entry_price.normalize():f}"})
        if trade.closed_at:
            markers.append({"time": int(trade.closed_at.timestamp()), "position": "aboveBar" if long else "belowBar",
                            "shape": "circle", "color": "#d29922",
                            "text": f"exit {trade.close_reason} @ {trade.exit_price.normalize():f}"})
    markers.sort(key=lambda marker: marker["time"])
    return markers


# The panels under the chart: {panel: [(series, label), ...]} (docs/DASHBOARD.md "Symbol page").
DERIVATIVES_PANELS = {
    "oi": [("open_interest_value", "Open interest (USDT)")],
    "cvd": [("cvd", "CVD (USDT)")],
    "ratios": [("global_long_short_ratio", "Global long/short accounts"),
               ("top_long_short_account_ratio", "Top traders: accounts"),
               ("top_long_short_position_ratio", "Top traders: positions")],
}


def _derivatives(symbol: str, timeframe: str, candles: list[dict[str, Any]]) -> dict[str, Any]:
    """The derivatives panels over the chart's candles: ``{period, panels: {oi|cvd|ratios: [{key, label,
    points}]}, has: {panel: bool}}``. ``points`` has one entry per chart candle (so the panels share the
    chart's time axis bar for bar): ``{time, value}`` with the newest row value within that candle, or
    ``{time}`` alone (a gap, never a zero) where none is stored."""
    from ta.derivatives_selectors import derivatives_frame, derivatives_period_for

    period = derivatives_period_for(timeframe)
    candle_times = [candle["time"] for candle in candles]
    frame = None
    if candles:
        columns = tuple(key for series in DERIVATIVES_PANELS.values() for key, _label in series)
        frame = derivatives_frame(symbol=symbol, period=period, columns=columns,
                                  start=datetime.fromtimestamp(candle_times[0], tz=UTC))
    row_times = [] if frame is None else [int(moment.timestamp()) for moment in frame.index]
    buckets = [bisect_right(candle_times, time) - 1 for time in row_times]
    panels: dict[str, list[dict[str, Any]]] = {}
    for name, series in DERIVATIVES_PANELS.items():
        panels[name] = []
        for key, label in series:
            by_candle: dict[int, float] = {}
            values = [] if frame is None else frame[key].tolist()
            for bucket, value in zip(buckets, values, strict=True):
                if bucket >= 0 and value == value:  # NaN: nothing stored for this series in that row
                    by_candle[candle_times[bucket]] = value
            points = [{"time": time, "value": by_candle[time]} if time in by_candle else {"time": time}
                      for time in candle_times]
            panels[name].append({"key": key, "label": label, "points": points, "values": len(by_candle)})
    return {"period": period, "panels": panels,
            "has": {name: any(item["values"] for item in items) for name, items in panels.items()}}


def _structure(symbol: str, timeframe: str) -> dict[str, Any]:
    """Swing points, active S/R zones, the Fibonacci setup and the regime of the chart's series
    (from the structure engine's stored results; empty parts before its first run)."""
    from ta.structure_selectors import fibonacci_levels, regime_latest, sr_levels, swings

    levels = (sr_levels(symbol=symbol, timeframe=timeframe) or {}).get("levels", [])
    return {
        "levels": [level for level in levels if level["is_active"]],
        "swings": (swings(symbol=symbol, timeframe=timeframe, limit=100) or {}).get("swings", []),
        "fib": fibonacci_levels(symbol=symbol, timeframe=timeframe),
        "regime": regime_latest(symbol=symbol, timeframe=timeframe),
    }


def _swing_markers(swing_points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"time": int(datetime.fromisoformat(point["timestamp"].replace("Z", "+00:00")).timestamp()),
         "position": "aboveBar" if point["type"] == "high" else "belowBar", "shape": "circle",
         "color": "#8b949e", "size": 0.5, "text": "H" if point["type"] == "high" else "L"}
        for point in swing_points
    ]


def ta_explained(ta: dict[str, Any] | None) -> list[str]:
    """The TA result in plain sentences (empty when there is none)."""
    if not ta:
        return []
    ribbon, squeeze = ta.get("ema_ribbon") or {}, ta.get("ttm_squeeze") or {}
    divergence, bonus = ta.get("stoch_rsi_divergence") or {}, ta.get("composite_score_adjustment") or {}
    lines = [
        f"EMA ribbon (8/13/21/34/55/89) is {ribbon.get('state_5m')} on 5m (spread {ribbon.get('spread_5m')}/100) "
        f"and {ribbon.get('state_1h')} on 1h (spread {ribbon.get('spread_1h')}/100).",
    ]
    if squeeze.get("squeeze"):
        lines.append(f"TTM squeeze is ON for {squeeze.get('bars_in_squeeze')} bars: Bollinger Bands inside the "
                     f"Keltner Channels (volatility compression); momentum {squeeze.get('momentum'):.4g} "
                     f"({squeeze.get('direction')}).")
    else:
        lines.append(f"No TTM squeeze: Bollinger Bands outside the Keltner Channels; momentum "
                     f"{squeeze.get('momentum', 0):.4g} ({squeeze.get('direction')}).")
    if divergence.get("divergence", "none") != "none":
        lines.append(f"Stochastic RSI shows a {divergence['divergence']} divergence {divergence.get('candles_ago')} "
                     f"candles ago (strength {divergence.get('strength')}).")
    else:
        lines.append("No Stochastic RSI divergence in the last 50 candles.")
    lines.append(f"Stoch RSI K {divergence.get('stoch_k')}, D {divergence.get('stoch_d')}.")
    lines.append(f"TA bonus: long +{bonus.get('long_bonus', 0)}, short +{bonus.get('short_bonus', 0)}"
                 + (f" ({'; '.join(bonus.get('reasoning') or [])})." if bonus.get("reasoning") else "."))
    return lines


def symbol_detail(*, symbol: str, timeframe: str) -> dict[str, Any] | None:
    """Chart data and TA of ``symbol`` on ``timeframe``; None for an unknown symbol."""
    if not Symbol.objects.filter(symbol=symbol).exists():
        return None
    ta = ta_result_latest(symbol=symbol)
    structure = _structure(symbol, timeframe)
    markers = sorted(_markers(symbol) + _swing_markers(structure["swings"]), key=lambda marker: marker["time"])
    scan = ScanResult.objects.filter(symbol__symbol=symbol).values_list("payload", flat=True).first()
    candles = _candles(symbol, timeframe)
    return {
        "symbol": symbol,
        "timeframe": timeframe,
        "timeframes": TIMEFRAMES,
        "chart": {"candles": candles, "overlays": _overlays(symbol, timeframe),
                  "markers": markers, "levels": structure["levels"], "fib": structure["fib"]},
        "structure": structure,
        "ta": ta,
        "scan": scan,
        "explained": ta_explained(ta),
        "derivatives": _derivatives(symbol, timeframe, candles),
    }

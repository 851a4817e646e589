"""The scanner's coin cards as display values, from the live payload.

Pure functions over the payload (no database), shared by the first render and the
socket's refreshes so both show exactly the same card.
"""

from __future__ import annotations

from typing import Any

from dashboard import tooltips

RIBBON_CLASS = {"bullish": "green", "bearish": "red", "mixed": "yellow"}


def squeeze_state(ttm_squeeze: dict[str, Any] | None, *, fired: bool) -> str:
    """``on`` (red dot: compression), ``fired`` (green: just released) or ``none`` (grey)."""
    if ttm_squeeze and ttm_squeeze.get("squeeze"):
        return "on"
    return "fired" if fired else "none"


def price_text(price: float | None) -> str:
    """A price with the digits that matter: 67694.12, 3791.06, 0.15965, 0.00001234."""
    if price is None:
        return "-"
    decimals = 2 if abs(price) >= 1000 else 4 if abs(price) >= 1 else 8
    text = f"{price:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signal_age_text(seconds: int) -> str:
    """``45s``, ``12m``, ``2h05m``."""
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def money_short_text(value: float) -> str:
    """USDT amounts for a card: $5.50B, $812.3M, $45.2K, $950."""
    for size, suffix, decimals in ((1e9, "B", 2), (1e6, "M", 1), (1e3, "K", 1)):
        if abs(value) >= size:
            return f"${value / size:.{decimals}f}{suffix}"
    return f"${value:.0f}"


def derivatives_line(derivatives: dict[str, Any] | None) -> dict[str, Any] | None:
    """The card's OI/funding line from a coin's latest derivatives values (``derivatives_latest``);
    None when it has neither open interest nor funding (the card says "no data")."""
    if not derivatives:
        return None
    oi, funding = derivatives.get("open_interest_value"), derivatives.get("funding_rate")
    change = derivatives.get("open_interest_change_24h_pct")
    if oi is None and funding is None:
        return None
    return {
        "oi_text": "-" if oi is None else money_short_text(float(oi)),
        "oi_change_text": "" if change is None else f"{change:+.1f}%",
        "oi_change_class": "" if change is None else "up" if change >= 0 else "down",
        "funding_text": "-" if funding is None else f"{float(funding) * 100:+.4f}%",
        "funding_class": "" if funding is None else "down" if float(funding) >= 0.0005 else (
            "up" if float(funding) <= -0.0005 else ""),
    }


REGIME_CLASS = {"trending_up": "green", "trending_down": "red", "ranging": "grey", "high_volatility": "yellow",
                "uncertain": "grey"}


def coin_card(coin: dict[str, Any], *, ta: dict[str, Any] | None, signals: list[dict[str, Any]],
              long_threshold: int, short_threshold: int, regime: dict[str, Any] | None = None) -> dict[str, Any]:
    """One card's values: scores against thresholds, ribbon colour, squeeze dot, divergence, signal age."""
    ta = ta or {}
    ribbon = ta.get("ema_ribbon") or {}
    squeeze = ta.get("ttm_squeeze") or {}
    divergence = (ta.get("stoch_rsi_divergence") or {}).get("divergence") or "none"
    long_score, short_score = coin.get("long_score", 0), coin.get("short_score", 0)
    active = [signal for signal in signals if signal["symbol"] == coin["symbol"]]
    signal = max(active, key=lambda s: s["score"]) if active else None
    return {
        **coin,
        "ok": coin.get("status") == "ok",
        "price_text": price_text(coin.get("price")),
        "tip_price": tooltips.PRICE_MARK if coin.get("price_source") == "mark" else tooltips.PRICE,
        "long_total": coin.get("long_total", long_score + coin.get("ta_long_bonus", 0)),
        "short_total": coin.get("short_total", short_score + coin.get("ta_short_bonus", 0)),
        "long_hot": long_score >= long_threshold,
        "short_hot": short_score >= short_threshold,
        "best_score": max(long_score, short_score),
        "ribbon_state": ribbon.get("state_5m") or "none",
        "ribbon_class": RIBBON_CLASS.get(ribbon.get("state_5m"), "grey"),
        "ribbon_spread": ribbon.get("spread_5m"),
        "squeeze_state": squeeze_state(squeeze, fired=bool(coin.get("squeeze_fired"))),
        "squeeze_bars": squeeze.get("bars_in_squeeze"),
        "squeeze_direction": squeeze.get("direction"),
        "divergence": divergence,
        "signal": signal,
        "signal_age": signal_age_text(signal["ageSeconds"]) if signal else "",
        "regime": (regime or {}).get("regime"),
        "regime_text": ((regime or {}).get("regime") or "").replace("_", " "),
        "regime_class": REGIME_CLASS.get((regime or {}).get("regime"), "grey"),
        "tip_regime": tooltips.regime_tip(regime) if regime else "",
        "tip_long": tooltips.SCORE.format(threshold=long_threshold),
        "tip_short": tooltips.SCORE.format(threshold=short_threshold),
        "derivs": derivatives_line(coin.get("derivatives")),
    }


def coin_cards(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every coin of ``payload["coinData"]`` as a card, in display order."""
    config = payload["trader"]["config"]
    return [
        coin_card(coin, ta=payload["taSignals"].get(coin["symbol"]), signals=payload["signalHistory"],
                  long_threshold=config["long_threshold"], short_threshold=config["short_threshold"],
                  regime=payload.get("regimes", {}).get(coin["symbol"]))
        for coin in payload["coinData"]
    ]

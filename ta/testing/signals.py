"""Stored trading signals for tests: the seed's BTCUSDT example row as the structure scan writes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2024, 6, 1, 12, tzinfo=UTC)


def trading_signal_create(symbol="BTCUSDT", direction="long", minutes=0, timeframe="1h", state="approaching",
                          score=95, **fields):
    """A ``TradingSignal`` of the seed's example (prices of its BTCUSDT long), evaluated ``minutes``
    after 2024-06-01 12:00 UTC; ``fields`` override any column (``confidence_score``, ``price``, ...)."""
    from ta.models import Symbol, TradingSignal

    now = T0 + timedelta(minutes=minutes)
    values = dict(
        symbol=Symbol.objects.get(symbol=symbol), timeframe=timeframe, direction=direction, market_score=score,
        price=102244.0, entry1=101716.8, entry2=101651.28, sl=101061.6, tp1=102372.0, tp2=102758.568,
        tp3=103236.864, swing_high=104010.0, swing_low=100734.0, swing_high_time=now - timedelta(hours=9 + minutes),
        swing_low_time=now - timedelta(hours=20), support_level=101582.0, resistance_level=None,
        confluence="OB,SR,RSI", risk_reward_ratio=2.32, confidence_score=87.5, state=state, candle_time=now,
        created_at=now, updated_at=now,
    )
    values.update(fields)
    return TradingSignal.objects.create(**values)

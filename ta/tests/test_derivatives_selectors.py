"""Reads of the stored derivatives series: latest per symbol in one query, windows, point in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ta.derivatives_selectors import derivatives_frame, derivatives_latest, derivatives_points
from ta.models import DerivativesPoint, Symbol

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 6, 1, tzinfo=UTC)


def point(symbol: str, hours: float, *, period: str = "1h", **values) -> DerivativesPoint:
    return DerivativesPoint.objects.create(symbol=Symbol.objects.get(symbol=symbol), period=period,
                                           time=T0 + timedelta(hours=hours), source="test", **values)


def test_latest_gives_each_symbols_newest_value_of_every_series_in_one_query(django_assert_num_queries):
    point("BTCUSDT", 0, open_interest_value=Decimal("1000"), funding_rate=Decimal("0.0001"))
    point("BTCUSDT", 24, open_interest_value=Decimal("1100"), global_long_short_ratio=Decimal("1.5"))
    point("BTCUSDT", 25, cvd=Decimal("-42"))  # the newest row holds only the CVD
    point("ETHUSDT", 3, open_interest_value=Decimal("50"))
    with django_assert_num_queries(1):
        latest = derivatives_latest(period="1h")
    btc = latest["BTCUSDT"]
    assert btc["time"] == "2024-06-02T01:00:00Z"
    assert (btc["open_interest_value"], btc["cvd"], btc["global_long_short_ratio"]) == ("1100", "-42", "1.5")
    assert btc["funding_rate"] == "0.0001"  # the newest funding, from an older row
    assert btc["open_interest_change_24h_pct"] == 10.0  # 1100 against 1000 of the row a day before the newest
    assert latest["ETHUSDT"]["open_interest_change_24h_pct"] is None  # no row a day before
    assert "SOLUSDT" not in latest  # no rows: no entry, never zeros
    assert derivatives_latest(period="5m") == {}


def test_latest_query_count_does_not_grow_with_symbols(django_assert_num_queries):
    for symbol in Symbol.objects.values_list("symbol", flat=True):
        point(symbol, 0, open_interest_value=Decimal("1"))
    enabled = Symbol.objects.filter(enabled=True).count()
    with django_assert_num_queries(1):
        latest = derivatives_latest(period="1h")
    assert len(latest) == enabled


def test_as_of_reads_only_rows_at_or_before_it():
    point("BTCUSDT", 0, open_interest_value=Decimal("1000"))
    point("BTCUSDT", 1, open_interest_value=Decimal("2000"))
    past = derivatives_latest(period="1h", as_of=T0 + timedelta(minutes=30))["BTCUSDT"]
    assert past["open_interest_value"] == "1000"
    frame = derivatives_frame(symbol="BTCUSDT", period="1h", as_of=T0 + timedelta(minutes=59))
    assert list(frame["open_interest_value"]) == [1000.0]
    assert derivatives_latest(period="1h", as_of=T0 - timedelta(seconds=1)) == {}


def test_frame_keeps_missing_values_as_nan_not_zero():
    point("BTCUSDT", 0, open_interest_value=Decimal("1000"))
    frame = derivatives_frame(symbol="BTCUSDT", period="1h")
    assert frame["cvd"].isna().all()
    assert derivatives_frame(symbol="ETHUSDT", period="1h").empty


def test_points_window_is_inclusive_oldest_first_and_refuses_a_bad_period():
    for hours in range(5):
        point("BTCUSDT", hours, cvd=Decimal(hours))
    rows = derivatives_points(symbol="BTCUSDT", period="1h", start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=3))
    assert [row.cvd for row in rows] == [1, 2, 3]
    with pytest.raises(ValueError, match="unknown period"):
        derivatives_points(symbol="BTCUSDT", period="4h")


def test_latest_values_are_looked_for_among_the_newest_36_rows():
    point("BTCUSDT", 0, open_interest_value=Decimal("1000"), funding_rate=Decimal("0.0001"))
    point("BTCUSDT", 1, open_interest_value=Decimal("1200"), global_long_short_ratio=Decimal("2"))
    for hours in range(2, 37):  # then only the CVD goes on: 35 rows
        point("BTCUSDT", hours, cvd=Decimal("7"))
    btc = derivatives_latest(period="1h")["BTCUSDT"]
    assert (btc["open_interest_value"], btc["global_long_short_ratio"]) == ("1200", "2")  # the 36th newest row
    assert btc["funding_rate"] is None  # the 37th newest row: not the latest any more
    point("BTCUSDT", 37, cvd=Decimal("7"))
    btc = derivatives_latest(period="1h")["BTCUSDT"]
    assert btc["cvd"] == "7"
    assert (btc["open_interest_value"], btc["funding_rate"]) == (None, None)


def test_the_cached_latest_values_follow_every_write_and_cost_one_probe_while_nothing_changed(
        django_assert_num_queries):
    from ta.derivatives_selectors import derivatives_latest_cached
    from ta.services.derivatives_store import derivatives_upsert
    from ta.sources.derivatives import DerivativesRow

    btc = Symbol.objects.get(symbol="BTCUSDT")
    point("BTCUSDT", 0, open_interest_value=Decimal("1000"), funding_rate=Decimal("0.0001"))
    assert derivatives_latest_cached(period="1h")["BTCUSDT"]["open_interest_value"] == "1000"
    with django_assert_num_queries(1):  # nothing written since: the version probe only
        assert derivatives_latest_cached(period="1h")["BTCUSDT"]["open_interest_value"] == "1000"

    derivatives_upsert(symbol_id=btc.pk, period="1h", columns=("open_interest_value",), source="test",
                       rows=[DerivativesRow(T0 + timedelta(hours=1), {"open_interest_value": Decimal("1200")})])
    latest = derivatives_latest_cached(period="1h")["BTCUSDT"]
    assert (latest["open_interest_value"], latest["funding_rate"]) == ("1200", "0.0001")

    row = DerivativesPoint.objects.get(time=T0 + timedelta(hours=1))
    row.open_interest_value = Decimal("1300")
    row.save()  # as the admin saves it
    assert derivatives_latest_cached(period="1h")["BTCUSDT"]["open_interest_value"] == "1300"


def test_the_bulk_writes_of_the_cvd_and_the_funding_move_the_version():
    from ta.services.derivatives_store import cvd_recompute, funding_carry_forward

    btc = Symbol.objects.get(symbol="BTCUSDT")
    first = point("BTCUSDT", 0, taker_buy_volume=Decimal(5), taker_sell_volume=Decimal(3),
                  funding_rate=Decimal("0.0001"))
    second = point("BTCUSDT", 1, taker_buy_volume=Decimal(1), taker_sell_volume=Decimal(4))
    before = DerivativesPoint.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    assert cvd_recompute(symbol_id=btc.pk, period="1h", since=T0) == 2
    assert funding_carry_forward(symbol_id=btc.pk, period="1h") == 1
    for row in (first, second):
        row.refresh_from_db()
        assert row.updated_at > before, "a write the latest values' cache would not see"
    assert (first.cvd, second.cvd, second.funding_rate) == (Decimal(2), Decimal(-1), Decimal("0.0001"))

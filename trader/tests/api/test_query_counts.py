"""The hot read endpoints do a bounded number of queries: the same with one more open
position and more scan rows behind them (an N+1 would add queries per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trader.cycle.run import cycle_run

# Each endpoint's most queries per request, the API key's lookup included. A paper
# exchange read whose prices trigger nothing is 3 queries (account, prices), no lock or write.
# The status names its book: config (venue), the book's ledger and its unmanaged trades.
# The account (and the trader page's overview) reads the book's open trades once more, for
# the allocation per strategy and the portfolio heat (trader.selectors.book_allocation).
HOT_ENDPOINTS = {
    "/api/v1/status": 6,
    "/api/v1/config": 2,
    # + the latest derivatives values of every coin: the probe of their version, and the values
    # again only when a row was written since the last request (ta.derivatives_selectors).
    "/api/v1/scan": 4,
    "/api/v1/positions": 5,
    "/api/v1/account": 7,
    "/api/trader/status": 10,
}


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return len(captured.captured_queries)


def _one_more_position_and_scan(market) -> None:
    market.scan("SOLUSDT", long=70, price="150")
    for symbol in ("BNBUSDT", "XRPUSDT", "ADAUSDT"):
        market.scan(symbol, long=10, price="1")  # below the threshold: scanned, not traded
    log = cycle_run()
    assert log.outcome == "ok", log.errors


@pytest.mark.parametrize(("path", "most"), HOT_ENDPOINTS.items())
def test_hot_endpoint_queries_are_bounded_and_do_not_grow_with_rows(path, most, api, open_positions):
    open_positions.scan("BTCUSDT", long=20, price="50000")  # something for /scan to list
    api.get("/api/v1/config")  # the key's first use writes last_used_at (then once a minute): not counted
    before = _queries(api, path)
    _one_more_position_and_scan(open_positions)
    after = _queries(api, path)
    assert before <= most, f"{path}: {before} queries"
    assert after <= before, f"{path}: {before} queries with 2 positions, {after} with 3 and more scan rows"


def test_health_queries_are_bounded(client, db, settings):
    settings.HEALTH_CELERY_TIMEOUT_S = 0.5  # no worker here: the ping's wait is not the point
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/health")
    assert response.status_code in (200, 503)
    # The database probe runs (and is counted) in its own thread; here: the two timestamps and the
    # derivatives series' freshness (issue 19: one bounded query, cached HEALTH_PROBE_CACHE_S per process).
    assert len(captured.captured_queries) <= 3, [q["sql"] for q in captured.captured_queries]

"""GET /performance: the live and dry-run books' figures (trader.performance_selectors)."""

import pytest

from trader.tests.performance.test_live_metrics import record_book

pytestmark = pytest.mark.django_db


def test_the_api_serves_both_books_and_refuses_an_unknown_venue(api):
    record_book()
    body = api.get("/api/v1/performance").json()
    assert body["live"] is None
    dry = body["dry_run"]
    assert (dry["mode"], dry["trades"], dry["win_rate_pct"], dry["expectancy"]) == ("dry-run", 3, 66.67, 26.6667)
    assert dry["per_strategy"]["supertrend"]["pnl"] == -20.0 and len(dry["equity_curve"]) == 3
    response = api.get("/api/v1/performance?venue=kraken")
    assert response.status_code == 400 and "venue" in response.json()["error"]["fields"]


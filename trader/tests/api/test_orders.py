"""/api/v1/orders (the order manager's entry orders) and the entry-order config fields through the API."""

from decimal import Decimal

import pytest

from trader.cycle.run import cycle_run
from trader.models import AuditEntry
from trader.services.config import config_get

pytestmark = pytest.mark.django_db


def test_limit_entries_are_configured_audited_and_listed_with_their_lifecycle(api, market, dry_run):
    response = api.patch("/api/v1/config", {"entry_order_type": "limit", "limit_offset_pct": 0.2,
                                            "limit_timeout_s": 120}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["entry_order_type"] == "limit" and response.json()["limit_offset_pct"] == 0.2
    audited = set(AuditEntry.objects.filter(via="api").values_list("field", flat=True))
    assert {"entry_order_type", "limit_offset_pct", "limit_timeout_s"} <= audited

    market.scan("BTCUSDT", long=70, price="50000")
    cycle_run()
    body = api.get("/api/v1/orders", {"resting": "true"}).json()
    assert body["count"] == 1
    order = body["results"][0]
    assert (order["symbol"], order["order_type"], order["state"], order["post_only"]) == (
        "BTCUSDT", "limit", "pending", True)
    assert Decimal(order["limit_price"]) == Decimal("49900")  # 0.2 % below the signal
    assert [h["event"] for h in order["history"]] == ["pending"]
    assert api.get("/api/v1/orders", {"state": "filled"}).json()["count"] == 0


@pytest.mark.parametrize("change", [{"entry_order_type": "stop"}, {"limit_offset_pct": 6},
                                    {"limit_offset_pct": 0.0001}, {"limit_timeout_s": 5},
                                    {"limit_max_reprices": 11}, {"limit_abandon_pct": 0}])
def test_out_of_range_entry_order_settings_are_refused_and_change_nothing(api, change):
    response = api.patch("/api/v1/config", change, format="json")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == set(change)
    assert config_get().entry_order_type == "market"


@pytest.mark.parametrize("query", [{"state": "resting"}, {"resting": "maybe"}, {"symbol": "btc"}])
def test_bad_order_filters_are_400(api, query):
    response = api.get("/api/v1/orders", query)
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == set(query)

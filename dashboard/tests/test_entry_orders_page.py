"""The trader page: entry orders in the activity log, and the entry-order fields in the config form."""

from __future__ import annotations

from decimal import Decimal

import pytest

from config.bus.schema import Event
from dashboard.live import page_render, pages_rendered_for
from dashboard.payload import live_payload
from trader.models import EntryOrder

pytestmark = pytest.mark.django_db


def test_the_activity_log_lists_entry_orders_with_their_lifecycle_and_the_form_has_their_settings(operator_client):
    entry = EntryOrder(correlation_id="sig-page", mode="dry-run", venue="coinex", symbol="BTCUSDT", side="long",
                       leverage=5, order_type="limit", post_only=True, signal_price=Decimal("50100"),
                       limit_price=Decimal("50049.9"), amount=Decimal("0.005"), filled_amount=Decimal("0.0025"),
                       client_id="ctepage00000000000000000001", state="partially_filled", resting=False,
                       protection="stop_placed", stop_price=Decimal("49749.6"))
    entry.event("pending", "limit 0.005 at 49950")
    entry.event("repriced", "re-priced to 50049.9 (1 of 2)")
    entry.save()
    html = operator_client.get("/trader").content.decode()
    assert 'data-tab="orders"' in html
    assert "0.0025 / 0.005" in html and "partially filled" in html and "stop placed at 49749.6" in html
    assert "repriced: re-priced to 50049.9 (1 of 2)" in html
    assert 'name="limit_offset_pct"' in html and 'step="0.001"' in html
    assert 'name="entry_order_type"' in html and ">limit<" in html


def test_an_entry_order_event_re_renders_the_trader_pages_activity_region():
    EntryOrder.objects.create(correlation_id="sig-live", mode="dry-run", venue="coinex", symbol="ETHUSDT",
                              side="short", leverage=5, order_type="limit", limit_price=Decimal("2402.4"),
                              amount=Decimal("0.2"), client_id="ctelive00000000000000000001", state="abandoned",
                              resting=False)
    assert "trader" in pages_rendered_for(event=Event.TRADER_EVENT, payload={"kind": "entry_order"})
    activity = page_render(page="trader", payload=live_payload())["activity"]
    assert "ETHUSDT" in activity and "abandoned" in activity and "2402.4" in activity

"""With Redis down the cycle still trades from the database and the exchange, and says so once."""

import pytest

from config.bus import client as bus_client
from config.testing import closed_port
from trader.cycle.run import cycle_run
from trader.models import Trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": [url]}}}
    yield
    bus_client.outage.succeeded()


def test_cycle_trades_with_redis_down_and_logs_the_outage_once(market, paper, dry_run, redis_down, caplog):
    market.scan("BTCUSDT", long=70, price="50000")
    log = cycle_run(exchange=paper)
    assert log.outcome == "ok", log.errors
    assert Trade.objects.get().symbol == "BTCUSDT"
    market.clear_scans()
    cycle_run(exchange=paper)
    outages = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
    assert len(outages) == 1

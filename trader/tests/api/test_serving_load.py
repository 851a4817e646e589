"""30 s of concurrent API load on the web tier as production runs it (two processes):
no request fails, and on PostgreSQL the web tier never holds more connections than its
pools allow, during the load or after it."""

from __future__ import annotations

import pytest
from django.db import connection

from config import testing
from config.loadgen import PgConnectionWatch, load_closed_loop, load_open_loop
from trader.api.keys import api_key_create

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

HOT_PATHS = ["/api/v1/status", "/api/v1/config", "/api/v1/scan", "/api/v1/positions", "/api/v1/account",
             "/api/trader/status"]
LOAD_S = 30
WORKERS = 2
POOL_MAX = 3  # per process: the web tier may hold WORKERS x POOL_MAX connections
NAME = "platform-web-load"  # its connections' application_name (the session's ASGI server has its own pool)
CLIENTS = 16  # PostgreSQL: more clients than pooled connections, so requests queue for the pool
SQLITE_RATE = 50  # requests/s on SQLite (no pool; one writer at a time)


def test_concurrent_api_load_has_no_errors_and_stays_within_the_pools(open_positions):
    plain_key = api_key_create(name="load", read_only=True).plain_key
    headers = {"X-API-Key": plain_key}
    postgres = connection.vendor == "postgresql"
    with testing.web_tier(workers=WORKERS, log_name="web-load", DB_POOL_MIN_SIZE="1",
                          DB_POOL_MAX_SIZE=str(POOL_MAX), DB_APPLICATION_NAME=NAME, WEB_THREADS="4",
                          API_THROTTLE_RATE="1000000/min") as port:
        base_url = f"http://127.0.0.1:{port}"
        if postgres:
            watch = PgConnectionWatch(dsn=testing.database_url_for_current_connection(),
                                      database=connection.settings_dict["NAME"])
            with watch:
                result = load_closed_loop(base_url=base_url, paths=HOT_PATHS, clients=CLIENTS, duration_s=LOAD_S,
                                          headers=headers)
            after = watch.sample()
        else:
            result = load_open_loop(base_url=base_url, paths=HOT_PATHS, rate=SQLITE_RATE, duration_s=LOAD_S,
                                    headers=headers)

    assert result.answered > LOAD_S, "the load ran"
    assert result.errors == 0, f"statuses {dict(result.statuses)}, failures {dict(result.failures)}"
    assert set(result.statuses) == {200}, dict(result.statuses)
    if postgres:
        web_bound = WORKERS * POOL_MAX
        assert 0 < watch.peak_by_application[NAME] <= web_bound, dict(watch.peak_by_application)
        assert after[NAME] <= web_bound, dict(after)
        # Everything else connected to the test database: this test, and a Celery worker,
        # beat or the ASGI server (its pool: 4 at most) an earlier test may have left running.
        others = watch.peak_total - watch.peak_by_application[NAME]
        assert others <= 7, dict(watch.peak_by_application)

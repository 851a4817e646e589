"""``manage.py binance_sandbox`` serves a server the Binance adapter can trade against."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.binance import BinanceUsdmClient
from coinex.client import ApiCredentials
from config import testing


@pytest.mark.services
def test_the_command_serves_the_server_with_the_given_key_pair_and_balance():
    port = testing.free_port()
    process = testing.start_process(
        testing.python_argv("manage.py", "binance_sandbox", "--port", str(port), "--api-key", "REHEARSALKEY1",
                            "--api-secret", "rehearsal-secret-456", "--balance", "2500"),
        env=testing.service_environment(),
        log_path=testing.PROJECT_DIR / "var" / "test-logs" / "binance-sandbox-cmd.log",
    )
    try:
        testing.wait_until(lambda: testing.port_open(port), timeout_s=30, what="binance_sandbox")
        client = BinanceUsdmClient.create(base_url=f"http://127.0.0.1:{port}",
                                          credentials=ApiCredentials("REHEARSALKEY1", "rehearsal-secret-456"))
        assert client.balance().equity == Decimal("2500")
        client.close()
    finally:
        testing.stop_process(process)

"""``manage.py coinex_sandbox`` serves a sandbox the live client can trade against."""

from __future__ import annotations

from decimal import Decimal

import pytest

from coinex.client import ApiCredentials, CoinExClient
from config import testing


@pytest.mark.services
def test_the_command_serves_the_sandbox_with_the_given_key_pair_and_balance():
    port = testing.free_port()
    process = testing.start_process(
        testing.python_argv("manage.py", "coinex_sandbox", "--port", str(port), "--access-id", "REHEARSALID1",
                            "--secret-key", "rehearsal-secret-123", "--balance", "2500"),
        env=testing.service_environment(), log_path=testing.PROJECT_DIR / "var" / "test-logs" / "sandbox-cmd.log",
    )
    try:
        testing.wait_until(lambda: testing.port_open(port), timeout_s=30, what="coinex_sandbox")
        client = CoinExClient.create(base_url=f"http://127.0.0.1:{port}/v2",
                                     credentials=ApiCredentials("REHEARSALID1", "rehearsal-secret-123"))
        assert client.balance().equity == Decimal("2500")
    finally:
        testing.stop_process(process)

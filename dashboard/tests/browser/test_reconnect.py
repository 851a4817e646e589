"""The page survives a server restart: "reconnecting" while it is gone, live again after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from config import testing
from dashboard.tests.browser.conftest import BrowserPage, login_cookie

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class OwnServer:
    """A uvicorn of this test's own (the shared one must not be stopped), on a fixed port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.port, self.process = env, testing.free_port(), None
        self.log_path = Path(settings.VAR_DIR) / "test-logs" / "asgi-reconnect.log"

    def start(self) -> None:
        self.process = testing.start_process(
            testing.python_argv("-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1",
                                "--port", str(self.port)), env=self.env, log_path=self.log_path)
        testing.wait_until(lambda: testing.port_open(self.port), timeout_s=60, what="the test's own ASGI server")

    def stop(self) -> None:
        testing.stop_process(self.process, grace_s=5)


@pytest.fixture
def own_server(transactional_db) -> Iterator[OwnServer]:
    env = testing.service_environment()
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' allowance is not the server's
    server = OwnServer(env)
    server.start()
    yield server
    server.stop()


def test_the_page_shows_reconnecting_and_comes_back_live(own_server, browser_context, operator_user):
    base_url = f"http://127.0.0.1:{own_server.port}"
    browser_context.clear_cookies()
    browser_context.add_cookies([login_cookie(operator_user, base_url)])
    page = BrowserPage(browser_context, base_url)
    try:
        page.open("/")
        page.page.evaluate("window.notReloaded = true")
        own_server.stop()
        page.page.wait_for_selector("#ws-status[data-state=reconnecting]")
        assert page.page.locator("#ws-status").inner_text() == "reconnecting"
        assert "WS_ERROR" in page.page.locator("#error-log").inner_text(), "the loss is logged and shown"
        own_server.start()
        page.page.wait_for_selector("#ws-status[data-state=live]", timeout=40_000)
        assert page.page.evaluate("window.notReloaded") is True
        unexpected = [e for e in page.console_errors if "WebSocket" not in e and "ERR_CONNECTION_REFUSED" not in e]
        assert unexpected == []
    finally:
        page.close()

"""Playwright driving Debian's Chromium (/usr/bin/chromium) against the real ASGI server.

One browser for the browser tests (a persistent context on a new empty profile). bin/test installs
Chromium when it is missing and it runs as root; otherwise these tests skip and say so.
Never ``playwright install``: it cannot download here and Debian's build is the one used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package")
def browser_context(asgi_server, celery_worker_process) -> Iterator[object]:
    """One Chromium for all browser tests, as a persistent context on a fresh profile directory.

    Package-scoped, not session-scoped: Playwright's sync API runs an event loop on this
    thread while it is open, and every later test that pushes to the bus (``async_to_sync``)
    would fail beside it; it is closed as soon as the browser tests are done."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (bin/test installs it with "
                    "`apt-get install -y chromium` when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    profile = tempfile.mkdtemp(prefix="dash-chromium-")
    # Playwright's sync API keeps an event loop on this thread, and the tests' own ORM calls
    # are plain synchronous code: allow them, only while the browser is open. The services
    # (ASGI server, worker) are started before, so they never inherit the setting.
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        yield from _browser(sync_api, profile)
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous
        shutil.rmtree(profile, ignore_errors=True)


def _browser(sync_api, profile: str) -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, viewport=DESKTOP,
            has_touch=True,  # tooltips must also open on tap (phones)
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


class BrowserPage:
    """A page with its console errors collected, logged in as ``user`` when given."""

    def __init__(self, context, base_url: str) -> None:
        self.base_url = base_url
        self.page = context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def open(self, path: str, *, live: bool = True):
        """Load ``path``; with ``live`` wait until the page's socket is connected."""
        self.page.goto(self.base_url + path)
        if live:
            self.page.wait_for_selector("#ws-status[data-state=live]")
        return self.page

    def screenshot(self, name: str) -> Path:
        """Full-page screenshot at desktop and phone width: var/screenshots/<name>-{desktop,phone}.png."""
        folder = Path(settings.VAR_DIR) / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            self.page.wait_for_timeout(200)
            self.page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
        self.page.set_viewport_size(DESKTOP)
        return folder

    def close(self) -> None:
        self.page.close()


def login_cookie(user, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": base_url}


@pytest.fixture
def browser_page(browser_context, asgi_server) -> Iterator[BrowserPage]:
    """A fresh page on the session's browser with no cookies and no stored choices; closed after the test.

    The context (and so the origin's localStorage, where a page remembers e.g. the chosen currency)
    is shared by every test: what a test chose is cleared after it, so the next starts from defaults."""
    browser_context.clear_cookies()
    page = BrowserPage(browser_context, asgi_server.base_url)
    yield page
    try:
        if page.page.url.startswith(asgi_server.base_url):
            page.page.evaluate("() => localStorage.clear()")
    finally:
        page.close()


@pytest.fixture
def logged_in_page(browser_page, operator_user, asgi_server) -> BrowserPage:
    """``browser_page`` carrying the operator's session cookie."""
    browser_page.page.context.add_cookies([login_cookie(operator_user, asgi_server.base_url)])
    return browser_page


def off_loop(function, /, *args, **kwargs):
    """Run ``function`` on a worker thread and return its result.

    Playwright's event loop occupies this thread, and the bus pushes (``async_to_sync``)
    refuse to run beside a running loop; the thread closes its database connection after.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()

"""The README's run command: everything starts, /health turns green, one Ctrl-C stops all."""

import os
import re
import signal
import subprocess
import sys

import httpx
import psutil
import pytest
import redis
from django.conf import settings

from config.testing import PROJECT_DIR, free_port, wait_until

pytestmark = pytest.mark.services


@pytest.fixture
def platform_env(tmp_path):
    redis_url = settings.REDIS_URL.rsplit("/", 1)[0] + "/10"
    redis.Redis.from_url(redis_url).flushdb()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(VAR_DIR=str(tmp_path / "var"), REDIS_URL=redis_url, APP_ENV="local", PYTHONUNBUFFERED="1")
    yield env
    redis.Redis.from_url(redis_url).flushdb()


def test_run_platform_serves_healthy_and_one_ctrl_c_stops_web_worker_and_beat(platform_env, tmp_path):
    port = free_port()
    output = tmp_path / "run.out"
    with output.open("w") as sink:
        runner = subprocess.Popen(
            [sys.executable, "manage.py", "run_platform", "--port", str(port), "--concurrency", "1"],
            cwd=PROJECT_DIR, env=platform_env, stdout=sink, stderr=subprocess.STDOUT,
        )
    try:
        def healthy() -> bool:
            assert runner.poll() is None, output.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout_s=120, interval_s=1, what="the platform's /health")
        text = output.read_text()
        assert f"Dashboard:  http://127.0.0.1:{port}/" in text
        password = re.search(r"Password:\s+(\S+)", text).group(1)
        login = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        page = login.get("/admin/login/")
        token = page.cookies["csrftoken"]
        answer = login.post("/admin/login/?next=/admin/", data={
            "username": "admin", "password": password, "csrfmiddlewaretoken": token,
        }, headers={"Referer": f"http://127.0.0.1:{port}/admin/login/"})
        assert answer.status_code == 302 and answer.headers["location"] == "/admin/", "the printed password works"
        children = psutil.Process(runner.pid).children(recursive=True)
        assert len(children) >= 3
    finally:
        runner.send_signal(signal.SIGINT)
        code = runner.wait(timeout=60)
    assert code == 0, output.read_text()[-3000:]
    assert "platform stopped" in output.read_text()
    wait_until(lambda: not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children),
               timeout_s=10, what="children to exit")
    assert password not in (tmp_path / "var" / "log" / "trader.log").read_text(), "the password is never logged"


def test_second_run_does_not_reset_or_reprint_the_admin_password(platform_env, tmp_path):
    command = [sys.executable, "manage.py", "run_platform", "--no-serve"]
    first = subprocess.run(command, cwd=PROJECT_DIR, env=platform_env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    assert re.search(r"Password:\s+\S{20,}", first.stdout)
    second = subprocess.run(command, cwd=PROJECT_DIR, env=platform_env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stderr
    assert "Password:" not in second.stdout
    assert "trader: fresh install, started in dry-run" in first.stdout
    assert "trader: mode dry-run (as last chosen)" in second.stdout
    assert "existing; reset with: manage.py changepassword admin" in second.stdout


def test_the_stream_process_runs_with_the_platform_only_when_enabled(settings):
    from config.runner import platform_processes

    names = [p.name for p in platform_processes(host="127.0.0.1", port=8891, concurrency=1, web_workers=1)]
    assert names == ["web", "worker", "beat", "outage-watch"]  # the default: the simulated market has no stream
    settings.STREAMS_ENABLED = True
    streams = platform_processes(host="127.0.0.1", port=8891, concurrency=1, web_workers=1)[-1]
    assert streams.name == "streams" and streams.argv[-1] == "run_streams"

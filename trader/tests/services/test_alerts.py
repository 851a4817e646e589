"""Alerts reach Telegram (a loopback Bot API server), off the caller's path, and failures are logged."""

import pytest

from trader.services.alerts import AlertKind, alert_send, telegram_send
from trader.testing.telegram import TelegramStub

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawX"


@pytest.fixture
def telegram(settings):
    with TelegramStub(token=TOKEN, chat_id="4242") as stub:
        settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_CHAT_ID, settings.TELEGRAM_API_URL = TOKEN, "4242", stub.url
        yield stub


def test_telegram_receives_the_message(telegram):
    assert telegram_send(text="hello") is True
    assert telegram.wait_for(1)[0]["text"] == "hello"


def test_the_alert_task_delivers(telegram):
    from trader.tasks import send_alert

    assert send_alert.apply(kwargs={"text": "from the task"}).get() is True
    assert telegram.wait_for(1)[0]["text"] == "from the task"


def test_alert_send_queues_the_task_on_the_trader_queue(telegram, monkeypatch):
    from config.celery import app
    from trader import tasks

    sent = []
    monkeypatch.setattr(tasks.send_alert, "apply_async", lambda kwargs, **options: sent.append(kwargs))
    alert_send(kind=AlertKind.KILL_SWITCH, message="equity down 51%")
    assert sent == [{"text": "[coinex-trader] KILL SWITCH: equity down 51%"}]
    assert app.amqp.router.route({}, tasks.send_alert.name)["queue"].name == "trader"


def test_with_the_broker_down_the_alert_is_sent_directly(telegram, monkeypatch):
    from trader import tasks

    def broker_down(**kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.send_alert, "apply_async", broker_down)
    alert_send(kind=AlertKind.CIRCUIT_BREAKER, message="3 consecutive failures")
    assert telegram.wait_for(1)[0]["text"] == "[coinex-trader] CIRCUIT BREAKER: 3 consecutive failures"


def test_a_refused_alert_is_logged_without_the_token(telegram, settings, caplog):
    settings.TELEGRAM_CHAT_ID = "9999"
    assert telegram_send(text="hello") is False
    assert "chat not found" in caplog.text
    assert TOKEN not in caplog.text


def test_without_telegram_settings_alerts_are_only_logged(settings, caplog):
    settings.TELEGRAM_BOT_TOKEN = ""
    alert_send(kind=AlertKind.ORDER_FAILED, message="BTCUSDT rejected")
    assert "Order failed: BTCUSDT rejected" in caplog.text

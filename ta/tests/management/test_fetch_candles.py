"""manage.py fetch_candles: what a user running it sees and gets."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ta.models import Candle

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("fetch_candles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_fetches_the_named_symbols_and_timeframes_from_the_simulated_market():
    out, _ = run("--source", "simulated", "--symbols", "BTCUSDT,ETHUSDT", "--timeframes", "5m,1h", "--backfill", "40")
    assert "simulated: 160 candles fetched, 160 new or changed, 2 symbol(s) updated" in out
    assert Candle.objects.filter(symbol__symbol="ETHUSDT", timeframe="1h").count() == 40


def test_a_long_backfill_shows_a_progress_bar():
    _, err = run("--source", "simulated", "--symbols", "BTCUSDT", "--timeframes", "5m", "--backfill", "6000")
    assert "fetch from simulated" in err and "6000/6000" in err


def test_an_explicit_backfill_extends_a_short_history():
    run("--source", "simulated", "--symbols", "BTCUSDT", "--timeframes", "1h", "--backfill", "10")
    run("--source", "simulated", "--symbols", "BTCUSDT", "--timeframes", "1h", "--backfill", "30")
    assert Candle.objects.filter(symbol__symbol="BTCUSDT", timeframe="1h").count() == 30


def test_switch_source_deletes_the_old_sources_candles_first(monkeypatch):
    run("--source", "simulated", "--symbols", "BTCUSDT", "--timeframes", "1h", "--backfill", "10")
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError, match="nothing deleted"):
        run("--source", "replay", "--symbols", "BTCUSDT", "--timeframes", "1h", "--switch-source")
    assert Candle.objects.count() == 10
    out, _ = run("--source", "simulated", "--symbols", "BTCUSDT", "--timeframes", "5m", "--backfill", "5",
                 "--switch-source", "--no-input")
    assert "deleted 10 candles; simulated starts afresh" in out
    assert set(Candle.objects.values_list("timeframe", flat=True)) == {"5m"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--symbols", "NOPEUSDT"), "unknown symbol(s): NOPEUSDT"),
        (("--timeframes", "7m"), "unknown timeframe(s): 7m (one of 1m, 3m, 5m"),
        (("--timeframes", ""), "--timeframes names no timeframe (e.g. 5m,1h,4h)"),
        (("--symbols", " , "), "--symbols names no symbol"),
        (("--backfill", "0"), "--backfill must be at least 1"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("--source", "simulated", *args)


def test_every_bad_argument_is_named_at_once_before_anything_is_fetched():
    with pytest.raises(CommandError) as refusal:
        run("--source", "simulated", "--symbols", "btcusdt,NOPEUSDT", "--timeframes", "5m,2m", "--backfill", "-5",
            "--switch-source", "--no-input")
    message = str(refusal.value)
    assert "unknown timeframe(s): 2m" in message and "--backfill must be at least 1" in message
    assert "unknown symbol(s): NOPEUSDT" in message  # btcusdt is read as BTCUSDT
    assert not Candle.objects.exists()


def test_without_an_enabled_coin_it_says_what_to_do():
    from ta.models import Symbol

    Symbol.objects.update(enabled=False)
    with pytest.raises(CommandError, match="no coin is enabled: enable some in the admin, or name them"):
        run("--source", "simulated")

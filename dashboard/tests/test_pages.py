"""Pages: login required, complete data on first load, seed tooltips, positions from the records."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard import tooltips
from dashboard.error_log import error_category
from dashboard.payload import live_payload
from dashboard.selectors import errors_from_records
from ta.selectors import price_latest
from trader.models import BacktestRun, BacktestStatus, BacktestStudy, CycleLog, Trade

pytestmark = pytest.mark.django_db

PAGES = ["/", "/trader", "/signals", "/strategies", "/symbol/BTCUSDT", "/settings"]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_requires_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")


@pytest.mark.parametrize("url", PAGES)
def test_every_page_renders_without_a_cdn(scanned, operator_client, url):
    html = operator_client.get(url).content.decode()
    assert "https://" not in html.split("<main>")[0], "no external asset in the head"
    assert "/static/js/live.js" in html and 'id="ws-status"' in html


def test_scanner_first_load_has_every_coin_with_seed_tooltips(scanned, operator_client):
    html = operator_client.get("/").content.decode()
    assert html.count('<article class="card') == 29
    for text in (tooltips.RSI, tooltips.VWAP, tooltips.BB_POSITION, tooltips.CHANGE_24H, tooltips.LEVERAGE,
                 tooltips.EMA_RIBBON, tooltips.TTM_SQUEEZE, tooltips.STOCH_RSI_DIV,
                 "Composite score (0-80). Signal threshold: 45", "Composite score (0-80). Signal threshold: 50"):
        assert f'data-tip="{text}"' in html.replace("&lt;", "<").replace("&gt;", ">"), text


def test_unknown_symbol_is_404(scanned, operator_client):
    assert operator_client.get("/symbol/NOPEUSDT").status_code == 404


def test_payload_has_the_seed_keys_and_open_positions_from_the_records(scanned, redis_conn):
    Trade.objects.create(correlation_id="c1", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
                         entry_price=Decimal("60000"), leverage=5, margin=Decimal("120"), opened_at=timezone.now())
    payload = live_payload()
    assert {"coinData", "positions", "signalHistory", "taSignals", "errors"} <= set(payload)
    position = payload["positions"]["BTCUSDT"]
    # Marked to the newest stored candle when no cycle snapshot exists: (close - 60000) * 0.01.
    close = price_latest(symbol="BTCUSDT")
    assert Decimal(position["unrealized_pnl"]) == ((close - 60000) * Decimal("0.01")).quantize(Decimal("0.0001"))
    assert position["marked_at"] == "candle"


def test_without_redis_errors_come_from_failed_cycles_newest_first():
    CycleLog.objects.create(started_at=timezone.now(), mode="dry-run", outcome="failed",
                            errors=["open BTCUSDT: order rejected (3109)", "balance: timeout"])
    entries = errors_from_records()
    assert {(e["category"], e["message"]) for e in entries} == {
        ("POSITION_ERROR", "open BTCUSDT: order rejected (3109)"), ("API_ERROR", "balance: timeout")}
    assert error_category(category="TRADE", logger_name="trader", message="close ETHUSDT failed") == "POSITION_ERROR"


def test_a_blocked_market_data_source_is_an_api_error():
    from datetime import timedelta

    from ta.models import MarketFeedState

    MarketFeedState.objects.create(source="binance", blocked_until=timezone.now() + timedelta(minutes=5),
                                   blocked_reason="418 banned until 12:05")
    MarketFeedState.objects.create(source="replay", blocked_until=timezone.now() - timedelta(minutes=5),
                                   blocked_reason="an old ban, over")
    assert [(e["category"], e["message"]) for e in errors_from_records()] == [
        ("API_ERROR", "market data (binance) blocked: 418 banned until 12:05")]


def test_symbol_detail_marks_the_bots_trades_and_the_structure_and_explains_the_ta(scanned):
    from dashboard.symbol_selectors import symbol_detail

    opened = timezone.now() - timezone.timedelta(hours=1)
    Trade.objects.create(correlation_id="c2", symbol="ETHUSDT", side="short", mode="dry-run", size=Decimal("1"),
                         entry_price=Decimal("3000"), exit_price=Decimal("2900"), leverage=5, margin=Decimal("600"),
                         opened_at=opened, closed_at=timezone.now(), close_reason="tp")
    detail = symbol_detail(symbol="ETHUSDT", timeframe="1h")
    markers = detail["chart"]["markers"]
    assert [(m["shape"], m["text"]) for m in markers if m["text"] not in ("H", "L")] == [
        ("arrowDown", "short @ 3000"), ("circle", "exit tp @ 2900")]
    swing_markers = [m for m in markers if m["text"] in ("H", "L")]
    assert swing_markers and len(swing_markers) == len(detail["structure"]["swings"])
    assert detail["structure"]["regime"]["regime"] in {"trending_up", "trending_down", "ranging", "high_volatility",
                                                       "uncertain"}
    assert all(level["is_active"] for level in detail["chart"]["levels"])
    assert len(detail["chart"]["candles"]) == 300 and set(detail["chart"]["overlays"]["ribbon"]) == {
        "8", "13", "21", "34", "55", "89"}
    assert detail["explained"][0].startswith("EMA ribbon (8/13/21/34/55/89) is ")
    assert symbol_detail(symbol="NOPEUSDT", timeframe="5m") is None


def test_backtest_runs_are_listed_and_shown_with_their_trades(operator_client):
    from dashboard.tests.conftest import backtest_run_stored

    run = backtest_run_stored()
    listing = operator_client.get("/backtests").content.decode()
    assert f'href="/backtests/{run.pk}"' in listing and "ema_cross" in listing
    page = operator_client.get(f"/backtests/{run.pk}").content.decode()
    assert page.count('class="num">5x</td>') == 3, "a row per trade"
    assert "total return %" in page and 'id="equity-data"' in page
    assert 'id="run-cancel"' not in page, "a finished run cannot be cancelled"
    assert operator_client.get("/backtests/999999").status_code == 404

    running = BacktestRun.objects.create(strategy="scanner", status=BacktestStatus.RUNNING, progress_pct=35.0)
    page = operator_client.get(f"/backtests/{running.pk}").content.decode()
    assert f'id="run-cancel" class="danger" data-run-id="{running.pk}">Cancel run</button>' in page


def test_the_backtests_page_offers_the_start_form_and_its_runs_table_is_a_live_region(operator_client, redis_conn):
    from dashboard.live import live_snapshot_text
    from dashboard.tests.conftest import backtest_run_stored

    page = operator_client.get("/backtests").content.decode()
    assert 'id="backtest-form"' in page and '<option value="ema_cross">' in page and '<option value="files">' in page
    run = backtest_run_stored()
    fragments = json.loads(live_snapshot_text(page="backtests"))["fragments"]
    assert f'data-run-id="{run.pk}" data-status="done"' in fragments["backtest-runs"]


def test_the_backtests_page_lists_optimiser_studies_and_a_study_has_its_page(operator_client):
    from dashboard.live import live_snapshot_text
    from trader.tests.backtest.studies import backtest_study_stored

    study = backtest_study_stored()
    listing = operator_client.get("/backtests").content.decode()
    assert 'id="study-form"' in listing and '<option value="sharpe_adj" selected>' in listing
    assert 'name="min_trades" value="10"' in listing and 'name="folds"' in listing
    assert "Optimiser studies" in listing and f'href="/backtests/studies/{study.pk}"' in listing
    assert "long_threshold 53" in listing, "the recommendation"
    row = listing[listing.index(f'data-study-id="{study.pk}"'):]
    assert row.index(">15<") < row.index("long_threshold 53"), "out-of-sample trades before the rest"
    assert ">0.555<" in row and ">2 / 2<" in row, "objective median and thin windows"
    fragments = json.loads(live_snapshot_text(page="backtests"))["fragments"]
    assert f'data-study-id="{study.pk}" data-status="done"' in fragments["backtest-studies-region"]

    page = operator_client.get(f"/backtests/studies/{study.pk}").content.decode()
    assert page.count("SOLUSDT, DOGEUSDT") == 1 and "2024-03-05 00:00 → 2024-03-09 00:00" in page
    assert page.index('id="study-out-of-sample"') < page.index('id="study-windows"'), "out of sample first"
    assert page.index('id="study-test-windows"') < page.index("Train windows")
    assert "Not applied." in page and 'id="study-apply"' in page
    dialog = page[page.index('id="confirm-study-apply"'):]
    assert "<td>long_threshold</td><td>45</td><td><strong>53</strong></td>" in dialog, "the change, now and after"
    assert "leverage_rules" in dialog
    assert 'id="study-cancel"' not in page, "a finished study cannot be cancelled"
    assert operator_client.get(f"/backtests/studies/{study.pk + 1}").status_code == 404

    running = BacktestStudy.objects.create(parameters=study.parameters, status=BacktestStatus.RUNNING)
    page = operator_client.get(f"/backtests/studies/{running.pk}").content.decode()
    assert 'id="study-cancel"' in page and 'id="study-apply"' not in page

    reason = "cancelled by dash-operator while running at 40 %"
    cancelled = BacktestStudy.objects.create(parameters=study.parameters, status=BacktestStatus.CANCELLED,
                                             progress_pct=40.0, error=reason)
    listing = operator_client.get("/backtests").content.decode()
    assert f'data-study-id="{cancelled.pk}" data-status="cancelled" data-progress="40.0" data-error="{reason}"' \
        in listing, "a page that missed the study's event shows why from its row"


def test_the_settings_page_names_the_usdm_klines_source_and_the_host_it_reads(operator_client, settings):
    settings.MARKET_DATA_SOURCE = "binance_usdm"
    settings.BINANCE_FUTURES_BASE_URL = "https://testnet.binancefuture.com"
    html = operator_client.get("/settings").content.decode()
    market = html.split('aria-label="Market data"')[1].split("</section>")[0]
    assert "<dd>binance_usdm</dd>" in market
    assert "https://testnet.binancefuture.com (USD-M futures)" in market
    assert settings.BINANCE_BASE_URL not in market  # the spot host is not what the candles come from


def test_the_settings_page_has_one_credentials_block_per_venue_masked(operator_client, settings):
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = "CX12CD34EF56GH78IJ90", "coinex-page-secret-0123"
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = "BN12CD34EF56GH78KL90", "binance-page-secret-0123"
    html = operator_client.get("/settings").content.decode()
    coinex = html.split('aria-label="CoinEx credentials"')[1].split("</section>")[0]
    binance = html.split('aria-label="Binance USD-M credentials"')[1].split("</section>")[0]
    assert "CX12****IJ90" in coinex and 'id="connection-test-coinex"' in coinex
    assert "BN12****KL90" in binance and 'id="connection-test-binance"' in binance and 'data-venue="binance"' in binance
    assert settings.BINANCE_FUTURES_BASE_URL in binance
    for secret in ("coinex-page-secret-0123", "binance-page-secret-0123", "CX12CD34EF56GH78IJ90",
                   "BN12CD34EF56GH78KL90"):
        assert secret not in html


def test_the_header_exchange_light_names_the_chosen_venue(scanned, operator_client, redis_conn):
    import html as html_text

    from trader.models import TraderConfig

    def header_tip() -> str:
        page = html_text.unescape(operator_client.get("/trader").content.decode())
        return page.split('data-tip="Exchange', 1)[1].split('">', 1)[0]

    assert header_tip().startswith(" (CoinEx): ")
    TraderConfig.objects.update_or_create(pk=1, defaults={"venue": "binance"})
    tip = header_tip()
    assert tip.startswith(" (Binance USD-M): ") and "Binance USD-M chosen" in tip and "CoinEx" not in tip
    page = html_text.unescape(operator_client.get("/trader").content.decode())
    assert "Live: real orders on Binance USD-M" in page and "Real orders on Binance USD-M with real money" in page


def test_the_trader_page_shows_the_portfolio_heat_and_the_allocation_per_strategy(operator_client, redis_conn):
    from config.bus.client import bus_set_json
    from config.bus.schema import KEY_STATE_BALANCE
    from trader.services.actor import Actor
    from trader.services.status import trader_mode_set

    trader_mode_set(mode="dry-run", actor=Actor.for_command(name="test"))
    Trade.objects.create(correlation_id="c1", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
                         entry_price=Decimal("60000"), leverage=5, margin=Decimal("120"), opened_at=timezone.now(),
                         strategy="supertrend", risk_stop_price=Decimal("59000"))
    bus_set_json(key=KEY_STATE_BALANCE, payload={"asset": "USDT", "equity": "1000", "available": "880",
                                                 "margin": "120", "unrealized_pnl": "0", "at": None})
    page = operator_client.get("/trader").content.decode()
    # 0.01 BTC x 1000 USDT to its stop = 10 USDT at risk, 1 % of equity.
    assert 'data-role="heat">1.00%' in page and '<span data-ccy="USDT">10.00 USDT</span>' in page
    assert ('<td>supertrend</td><td class="num">1</td><td class="num">120.00</td><td class="num">12.00%</td>'
            in page)


def test_the_trader_page_offers_each_currency_with_its_rate_and_date(operator_client, settings):
    settings.FX_PROVIDER, settings.FX_FIXED_RATES, settings.FX_FIXED_RATES_DATE = "fixed", "CHF=0.80,EUR=0.92", \
        "2026-03-01"
    Trade.objects.create(correlation_id="c1", symbol="BTCUSDT", side="long", mode="dry-run", size=Decimal("0.01"),
                         entry_price=Decimal("60000"), exit_price=Decimal("61000"), pnl=Decimal("10"), leverage=5,
                         margin=Decimal("120"), opened_at=timezone.now(), closed_at=timezone.now(), close_reason="tp")
    page = operator_client.get("/trader").content.decode()
    assert '<select id="currency"' in page and '<option value="CHF">CHF</option>' in page
    # Each amount in every currency (the selector shows one), with the rate and its date beside them.
    assert ('<span data-ccy="USDT">10.0000 USDT</span><span data-ccy="CHF">8.0000 CHF</span>'
            '<span data-ccy="EUR">9.2000 EUR</span>') in page
    assert "1 USDT = 0.8 CHF (fixed rate of 2026-03-01)" in page


def test_the_settings_page_names_the_currency_rate_source_and_its_rates(operator_client, settings):
    settings.FX_PROVIDER, settings.FX_FIXED_RATES, settings.FX_FIXED_RATES_DATE = "fixed", "CHF=0.80,EUR=0.92", \
        "2026-03-01"
    page = operator_client.get("/settings").content.decode()
    assert "<dt>Source</dt><dd>fixed</dd>" in page
    assert '<dd>0.8 CHF <span class="muted">(rate of 2026-03-01)</span></dd>' in page


def store_derivatives(symbol: str, candle_times, *, period: str = "5m") -> None:
    """A derivatives row at each of ``candle_times`` (aware datetimes) with every panel's series."""
    from ta.models import DerivativesPoint, Symbol

    coin = Symbol.objects.get(symbol=symbol)
    DerivativesPoint.objects.bulk_create(
        DerivativesPoint(symbol=coin, period=period, time=time, source="test",
                         open_interest_value=Decimal(5_000_000_000 + 1_000_000 * index), cvd=Decimal(-index * 1000),
                         global_long_short_ratio=Decimal("1.8"), top_long_short_account_ratio=Decimal("1.5"),
                         top_long_short_position_ratio=Decimal("1.1"))
        for index, time in enumerate(candle_times))


def test_symbol_panels_share_the_charts_candles_and_say_no_data_honestly(scanned, operator_client):
    from dashboard.symbol_selectors import symbol_detail

    empty = operator_client.get("/symbol/BTCUSDT").content.decode()
    assert "No open interest stored for this span yet." in empty and "No CVD stored" in empty
    detail = symbol_detail(symbol="BTCUSDT", timeframe="5m")
    candle_times = [candle["time"] for candle in detail["chart"]["candles"]]
    from datetime import UTC, datetime

    store_derivatives("BTCUSDT", [datetime.fromtimestamp(t, tz=UTC) for t in candle_times[-50:]])
    detail = symbol_detail(symbol="BTCUSDT", timeframe="5m")
    oi = detail["derivatives"]["panels"]["oi"][0]
    assert [point["time"] for point in oi["points"]] == candle_times, "one point or gap per chart candle"
    assert oi["values"] == 50 and "value" not in oi["points"][0], "a gap before the rows, not a zero"
    assert oi["points"][-1]["value"] == 5_049_000_000
    assert detail["derivatives"]["has"] == {"oi": True, "cvd": True, "ratios": True}
    page = operator_client.get("/symbol/BTCUSDT").content.decode()
    assert "No open interest stored" not in page and 'id="derivatives-data"' in page
    hourly = symbol_detail(symbol="BTCUSDT", timeframe="1h")["derivatives"]  # 1h chart: 1h rows, none stored
    assert hourly["period"] == "1h" and hourly["has"]["oi"] is False

"""Routes of the REST API: ``v1_urlpatterns`` under /api/v1/, ``trader_urlpatterns`` under /api/trader/."""

from __future__ import annotations

from django.urls import path, re_path
from rest_framework.decorators import api_view, permission_classes, schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from trader.api.views import account, backtests, config, control, market, performance, records, status, structure


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@schema(None)
def api_not_found(request, rest: str = ""):
    """Any other path under the API: a 404 in the API's error shape, not an HTML page."""
    raise NotFound(f"no such API endpoint: {request.path}")


v1_urlpatterns = [
    path("config", config.ConfigView.as_view(), name="api-config"),
    path("config/reset", config.ConfigResetView.as_view(), name="api-config-reset"),
    path("config/history", config.ConfigHistoryView.as_view(), name="api-config-history"),
    path("account", account.AccountView.as_view(), name="api-account"),
    path("account/config", account.AccountConfigView.as_view(), name="api-account-config"),
    path("account/test", account.ConnectionTestView.as_view(), name="api-account-test"),
    path("positions", account.PositionsView.as_view(), name="api-positions"),
    path("positions/close-all", account.PositionsCloseAllView.as_view(), name="api-positions-close-all"),
    path("positions/<str:market>/close", account.PositionCloseView.as_view(), name="api-position-close"),
    path("status", status.StatusView.as_view(), name="api-status"),
    path("status/enable", status.StatusEnableView.as_view(), name="api-status-enable"),
    path("status/disable", status.StatusDisableView.as_view(), name="api-status-disable"),
    path("status/mode", status.StatusModeView.as_view(), name="api-status-mode"),
    path("status/lockfile", status.LockfileView.as_view(), name="api-status-lockfile"),
    path("kill-switch/rearm", status.KillSwitchRearmView.as_view(), name="api-kill-switch-rearm"),
    path("emergency-stop", status.EmergencyStopView.as_view(), name="api-emergency-stop"),
    path("logs", records.LogsView.as_view(), name="api-logs"),
    path("logs/trades", records.TradeLogsView.as_view(), name="api-logs-trades"),
    path("trades", records.TradesView.as_view(), name="api-trades"),
    path("decisions", records.DecisionsView.as_view(), name="api-decisions"),
    path("orders", records.EntryOrdersView.as_view(), name="api-orders"),
    path("cycles", records.CyclesView.as_view(), name="api-cycles"),
    path("performance", performance.PerformanceView.as_view(), name="api-performance"),
    path("symbols", market.SymbolsView.as_view(), name="api-symbols"),
    path("candles/<str:symbol>", market.CandlesView.as_view(), name="api-candles"),
    path("ta/<str:symbol>", market.TaResultView.as_view(), name="api-ta"),
    path("scan", market.ScanView.as_view(), name="api-scan"),
    path("market-data/<str:symbol>", market.MarketDataView.as_view(), name="api-market-data"),
    path("health", market.HealthView.as_view(), name="api-health"),
    path("signals", structure.SignalsView.as_view(), name="api-signals"),
    path("signals/summary", structure.SignalsSummaryView.as_view(), name="api-signals-summary"),
    path("signals/<str:symbol>/latest", structure.SignalLatestView.as_view(), name="api-signal-latest"),
    path("sr-levels/<str:symbol>", structure.SRLevelsView.as_view(), name="api-sr-levels"),
    path("swings/<str:symbol>", structure.SwingsView.as_view(), name="api-swings"),
    path("regimes", structure.RegimesView.as_view(), name="api-regimes"),
    path("regimes/<str:symbol>", structure.RegimeView.as_view(), name="api-regime"),
    path("backtests", backtests.BacktestsView.as_view(), name="api-backtests"),
    path("backtests/<int:run_id>", backtests.BacktestView.as_view(), name="api-backtest"),
    path("backtests/<int:run_id>/cancel", backtests.BacktestCancelView.as_view(), name="api-backtest-cancel"),
    path("backtests/studies", backtests.BacktestStudiesView.as_view(), name="api-backtest-studies"),
    path("backtests/studies/<int:study_id>", backtests.BacktestStudyView.as_view(), name="api-backtest-study"),
    path("backtests/studies/<int:study_id>/apply", backtests.BacktestStudyApplyView.as_view(),
         name="api-backtest-study-apply"),
    path("backtests/studies/<int:study_id>/cancel", backtests.BacktestStudyCancelView.as_view(),
         name="api-backtest-study-cancel"),
]

trader_urlpatterns = [
    path("status", control.TraderStatusView.as_view(), name="api-trader-status"),
    path("config", config.TraderConfigView.as_view(), name="api-trader-config"),
    path("control", control.TraderControlView.as_view(), name="api-trader-control"),
    path("close-position", control.TraderClosePositionView.as_view(), name="api-trader-close-position"),
    path("close-all", control.TraderCloseAllView.as_view(), name="api-trader-close-all"),
    path("logs", control.TraderLogsView.as_view(), name="api-trader-logs"),
]

# Other apps (the structure engine's signals) mount their routes under /api/v1/ before this
# catch-all in config/urls.py, so the catch-all goes in its own list, included last.
# [\s\S] and \Z: a path with a newline in it (%0A) is an API path too ("." and "$" would let it fall
# through to Django's HTML 404).
not_found_urlpatterns = [re_path(r"^(?P<rest>[\s\S]*)\Z", api_not_found)]

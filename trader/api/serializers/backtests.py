"""Backtest runs: the start request (strategy, symbols, period, source, overrides) and a run's status."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from trader.api.serializers.common import ClosedBodyMixin, StrictJsonMixin
from trader.api.serializers.records import PagedQuerySerializer, SymbolField
from trader.backtest.optimise import METRIC_DEFAULT, METRICS, MIN_TRADES_DEFAULT
from trader.models import BacktestRun, BacktestStatus, StudyOrigin
from trader.models.config import MAX_EXCHANGE_LEVERAGE
from trader.services.backtest import BACKTEST_SYMBOLS_MAX, CandleSource, backtest_strategy_names
from trader.services.study import STUDY_FOLDS_MAX, STUDY_TRIALS_MAX


def _pct(*, low: str, high: str, places: int = 2, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=8, decimal_places=places, min_value=Decimal(low),
                                    max_value=Decimal(high), coerce_to_string=False, required=False, **kwargs)


class BacktestOverridesSerializer(ClosedBodyMixin, StrictJsonMixin, serializers.Serializer):
    """The live config's fields this run uses instead (each optional; same ranges as the config)."""

    long_threshold = serializers.IntegerField(min_value=0, max_value=100, required=False)
    short_threshold = serializers.IntegerField(min_value=0, max_value=100, required=False)
    max_positions = serializers.IntegerField(min_value=1, max_value=50, required=False)
    max_leverage = serializers.IntegerField(min_value=1, max_value=MAX_EXCHANGE_LEVERAGE, required=False)
    position_size_pct = _pct(low="0.1", high="100", help_text="Margin per position, % of equity.")
    use_ta_signals = serializers.BooleanField(required=False, help_text="Count the TA bonus (capped).")
    trailing_stop = serializers.BooleanField(required=False)
    starting_balance = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal(10),
                                                max_value=Decimal(1_000_000_000), coerce_to_string=False,
                                                required=False, help_text="USDT (default 10000).")


class _CandlePeriodSerializer(serializers.Serializer):
    """The candles a run or a study reads: symbols, whole UTC days, where they come from."""

    symbols = serializers.ListField(child=SymbolField(), min_length=1, max_length=BACKTEST_SYMBOLS_MAX)
    start = serializers.DateField(help_text="First day (00:00 UTC).")
    end = serializers.DateField(help_text="Last day, exclusive (00:00 UTC); at most 366 days after start.")
    source = serializers.ChoiceField(choices=[source.value for source in CandleSource],
                                     default=CandleSource.DATABASE.value,
                                     help_text="database: the stored candles; files: the server's kline folder.")


class BacktestStartSerializer(ClosedBodyMixin, StrictJsonMixin, _CandlePeriodSerializer):
    """What to backtest: strategy, symbols, whole UTC days, where the candles come from, exits and overrides."""

    strategy = serializers.ChoiceField(choices=backtest_strategy_names(), help_text="scanner: the live trader's rules; "
                                       "ema_cross: the EMA 8/21 reference; or a strategy of the suite.")
    tp_pct = _pct(low="0.01", high="1000", help_text="Take profit: price move % (ema_cross, required) or % of "
                                                     "margin (the others; default the config's).")
    sl_pct = _pct(low="0.01", high="100", help_text="Stop loss, positive: price move % (ema_cross, required) or % "
                                                    "of margin.")
    fee_pct = _pct(low="0", high="5", places=3, help_text="Taker fee per fill, % (default the market's, 0.05).")
    overrides = BacktestOverridesSerializer(required=False)
    attribution = serializers.BooleanField(default=False, help_text="Also run without and with the TA bonus.")


@extend_schema_field({"type": "object", "additionalProperties": True,
                      "description": "total_return_pct, cagr_pct, max_drawdown_pct, win_rate_pct, profit_factor, "
                                     "sharpe, sortino, exposure_pct, trades, average_trade, per_symbol... "
                                     "(empty until the run is done)."})
class FiguresField(serializers.DictField):
    """A stored JSON object of figures."""


class BacktestRunSerializer(serializers.ModelSerializer):
    symbols = serializers.ListField(child=serializers.CharField())
    metrics = FiguresField()
    attribution = FiguresField()
    page_url = serializers.SerializerMethodField(help_text="The run's page on the dashboard.")

    class Meta:
        model = BacktestRun
        fields = ["id", "status", "progress_pct", "strategy", "timeframe", "symbols", "start", "end", "created_at",
                  "started_at", "finished_at", "error", "metrics", "attribution", "page_url"]

    def get_page_url(self, run: BacktestRun) -> str:
        return reverse("dashboard:backtest", args=[run.pk])


class BacktestListQuerySerializer(PagedQuerySerializer):
    status = serializers.ChoiceField(choices=BacktestStatus.values, required=False)


START_EXAMPLE = OpenApiExample("The EMA 8/21 reference on a week of SOL", request_only=True, value={
    "strategy": "ema_cross", "symbols": ["SOLUSDT"], "start": "2024-02-01", "end": "2024-02-08", "source": "files",
    "tp_pct": 0.5, "sl_pct": 0.5, "fee_pct": 0.05})
START_SCANNER_EXAMPLE = OpenApiExample("The live rules with two overrides", request_only=True, value={
    "strategy": "scanner", "symbols": ["BTCUSDT", "ETHUSDT"], "start": "2024-03-01", "end": "2024-04-01",
    "source": "database", "overrides": {"long_threshold": 50, "max_positions": 2}, "attribution": True})
_RUN = {"id": 12, "strategy": "ema_cross", "timeframe": "5m", "symbols": ["SOLUSDT"],
        "start": "2024-02-01T00:00:00Z", "end": "2024-02-08T00:00:00Z", "created_at": "2026-03-01T12:00:00Z",
        "page_url": "/backtests/12"}
PENDING_EXAMPLE = OpenApiExample("Queued", response_only=True, status_codes=["202"], value={
    **_RUN, "status": "pending", "progress_pct": 0.0, "started_at": None, "finished_at": None, "error": "",
    "metrics": {}, "attribution": {}})
DONE_RUN = {**_RUN, "status": "done", "progress_pct": 100.0, "started_at": "2026-03-01T12:00:01Z",
            "finished_at": "2026-03-01T12:00:04Z", "error": "", "attribution": {},
            "metrics": {"total_return_pct": 1.84, "max_drawdown_pct": 0.92, "trades": 31, "win_rate_pct": 54.84,
                        "profit_factor": 1.21, "sharpe": 1.9}}
DONE_EXAMPLE = OpenApiExample("Done", response_only=True, value=DONE_RUN)
CANCELLED_EXAMPLE = OpenApiExample("Cancelled while running", response_only=True, value={
    **_RUN, "status": "cancelled", "progress_pct": 35.0, "started_at": "2026-03-01T12:00:01Z",
    "finished_at": "2026-03-01T12:00:09Z", "error": "cancelled by dash-operator while running at 35 %",
    "metrics": {}, "attribution": {}})
LIST_EXAMPLE = OpenApiExample("One run", response_only=True, value={
    "count": 1, "next": None, "previous": None, "results": [DONE_RUN]})


class StudyStartSerializer(ClosedBodyMixin, StrictJsonMixin, _CandlePeriodSerializer):
    """What to optimise: strategy, symbols, whole UTC days (cut into folds + 1 walk-forward windows), the
    search's size, its objective and the minimum trades a train window needs."""

    strategy = serializers.ChoiceField(choices=[name for name in backtest_strategy_names() if name != "ema_cross"],
                                       default="scanner", help_text="scanner: the live trader's rules; or a "
                                       "strategy of the suite (ema_cross has no thresholds to search).")
    folds = serializers.IntegerField(min_value=1, max_value=STUDY_FOLDS_MAX, default=3,
                                     help_text="Walk-forward folds: the period is cut into folds + 1 windows.")
    trials = serializers.IntegerField(min_value=1, max_value=STUDY_TRIALS_MAX, default=30,
                                      help_text="Optuna trials per train window.")
    metric = serializers.ChoiceField(choices=list(METRICS), default=METRIC_DEFAULT,
                                     help_text="The objective: sharpe_adj (default, the Sharpe ratio penalised for "
                                               "autocorrelated returns), sharpe, sortino, total_return_pct, "
                                               "profit_factor.")
    min_trades = serializers.IntegerField(min_value=0, max_value=100_000, default=MIN_TRADES_DEFAULT,
                                          help_text="Trades a train window needs for its trial to count.")
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=42)


class StudyTestWindowSerializer(serializers.Serializer):
    """One test window's figures (parameters found on the window before it, run once here)."""

    test_start = serializers.DateTimeField(allow_null=True)
    test_end = serializers.DateTimeField(allow_null=True)
    trades = serializers.IntegerField()
    under_min_trades = serializers.BooleanField(help_text="Fewer trades than min_trades: read its figures as noise.")
    objective = serializers.FloatField(allow_null=True, help_text="The objective metric on this test window.")
    metrics = FiguresField()


class StudyOutOfSampleSerializer(serializers.Serializer):
    """The test windows together: the figures to judge a study by (the search never saw them)."""

    objective = serializers.CharField(allow_blank=True)
    min_trades = serializers.IntegerField()
    trades = serializers.IntegerField(help_text="Trades over every test window.")
    objective_mean = serializers.FloatField(allow_null=True, help_text="Mean of the objective over the test "
                                                                       "windows where it is defined.")
    objective_median = serializers.FloatField(allow_null=True)
    windows = serializers.IntegerField()
    windows_under_min_trades = serializers.IntegerField()
    folds = StudyTestWindowSerializer(many=True)


class StudyWindowSerializer(serializers.Serializer):
    """One walk-forward window: searched on train, its best parameters run once on the unseen test part."""

    train_start = serializers.DateTimeField(allow_null=True)
    train_end = serializers.DateTimeField(allow_null=True)
    test_start = serializers.DateTimeField(allow_null=True)
    test_end = serializers.DateTimeField(allow_null=True)
    best_params = serializers.DictField(help_text="long_threshold, short_threshold, tp_pct, sl_pct (% of margin), "
                                                  "leverage_default, leverage_60.")
    train_score = serializers.FloatField(allow_null=True, help_text="The objective metric on the train window.")
    test_metrics = FiguresField()


class BacktestStudySerializer(serializers.Serializer):
    """A stored Optuna walk-forward study (``trader.backtest.selectors.backtest_study_summary``)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BacktestStatus.values)
    progress_pct = serializers.FloatField()
    out_of_sample = StudyOutOfSampleSerializer(help_text="First: the test windows' figures together.")
    origin = serializers.ChoiceField(choices=StudyOrigin.values, help_text="Who started it: api, page, cli or "
                                                                           "schedule.")
    proposal = serializers.BooleanField(help_text="Proposed by the weekly schedule (which never applies).")
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    strategy = serializers.CharField(allow_blank=True)
    symbols = serializers.ListField(child=serializers.CharField())
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True, help_text="Exclusive.")
    metric = serializers.CharField(allow_blank=True, help_text="The objective the search maximised.")
    trials = serializers.IntegerField(allow_null=True, help_text="Optuna trials per window.")
    seed = serializers.IntegerField(allow_null=True)
    min_trades = serializers.IntegerField(help_text="Trades a train window needed for its trial to count.")
    searched = serializers.DictField(child=serializers.ListField(child=serializers.FloatField()),
                                     help_text="Each searched parameter's [low, high].")
    windows = StudyWindowSerializer(many=True)
    recommended = serializers.DictField(help_text="The last window's best parameters (what applying writes).")
    applied = serializers.BooleanField(help_text="Written into the live config (POST .../apply or "
                                                 "backtest_optimise --apply).")
    applied_at = serializers.DateTimeField(allow_null=True)
    applied_by = serializers.CharField(allow_blank=True)
    page_url = serializers.SerializerMethodField(help_text="The study's page on the dashboard.")

    def get_page_url(self, study: dict) -> str:
        return reverse("dashboard:backtest-study", args=[study["id"]])


_PARAMS = {"long_threshold": 52, "short_threshold": 61, "tp_pct": 9.5, "sl_pct": 4.0, "leverage_default": 3,
           "leverage_60": 6}
_TEST_FIGURES = {"total_return_pct": 3.12, "max_drawdown_pct": 2.05, "trades": 18, "win_rate_pct": 55.56,
                 "profit_factor": 1.34, "sharpe": 1.22, "sharpe_adj": 1.05, "average_trade": 17.3,
                 "under_min_trades": False}
STUDY = {
    "id": 4, "status": "done", "progress_pct": 100.0,
    "out_of_sample": {"objective": "sharpe_adj", "min_trades": 10, "trades": 18, "objective_mean": 1.05,
                      "objective_median": 1.05, "windows": 1, "windows_under_min_trades": 0,
                      "folds": [{"test_start": "2024-03-01T12:00:00Z", "test_end": "2024-05-01T00:00:00Z",
                                 "trades": 18, "under_min_trades": False, "objective": 1.05,
                                 "metrics": _TEST_FIGURES}]},
    "origin": "page", "proposal": False, "created_at": "2026-03-01T12:00:00Z", "started_at": "2026-03-01T12:00:01Z",
    "finished_at": "2026-03-01T12:04:10Z",
    "error": "", "strategy": "scanner", "symbols": ["SOLUSDT", "DOGEUSDT"], "start": "2024-01-01T00:00:00Z",
    "end": "2024-07-01T00:00:00Z", "metric": "sharpe_adj", "trials": 50, "seed": 42, "min_trades": 10,
    "searched": {"long_threshold": [30, 70], "short_threshold": [30, 70], "tp_pct": [2.0, 20.0],
                 "sl_pct": [1.0, 10.0], "leverage_default": [1, 10], "leverage_60": [1, 10]},
    "windows": [{"train_start": "2024-01-01T00:00:00Z", "train_end": "2024-03-01T12:00:00Z",
                 "test_start": "2024-03-01T12:00:00Z", "test_end": "2024-05-01T00:00:00Z", "best_params": _PARAMS,
                 "train_score": 2.41, "test_metrics": _TEST_FIGURES}],
    "recommended": _PARAMS, "applied": False, "applied_at": None, "applied_by": "", "page_url": "/backtests/studies/4",
}
STUDY_EXAMPLE = OpenApiExample("A finished study", response_only=True, value=STUDY)
STUDY_START_EXAMPLE = OpenApiExample("Four weeks of two coins, three test windows", request_only=True, value={
    "strategy": "scanner", "symbols": ["SOLUSDT", "DOGEUSDT"], "start": "2024-03-01", "end": "2024-03-29",
    "source": "database", "folds": 3, "trials": 30, "metric": "sharpe_adj", "min_trades": 10})
_PENDING_STUDY = {**STUDY, "status": "pending", "progress_pct": 0.0, "started_at": None, "finished_at": None,
                  "out_of_sample": {**STUDY["out_of_sample"], "trades": 0, "objective_mean": None,
                                    "objective_median": None, "windows": 0, "folds": []},
                  "windows": [], "recommended": {}}
STUDY_PENDING_EXAMPLE = OpenApiExample("Queued", response_only=True, status_codes=["202"], value=_PENDING_STUDY)
STUDY_APPLIED_EXAMPLE = OpenApiExample("Applied", response_only=True, value={
    **STUDY, "applied": True, "applied_at": "2026-03-02T09:00:00Z", "applied_by": "dash-operator"})
STUDY_CANCELLED_EXAMPLE = OpenApiExample("Cancelled while running", response_only=True, value={
    **_PENDING_STUDY, "status": "cancelled", "progress_pct": 42.0, "started_at": "2026-03-02T08:00:00Z",
    "finished_at": "2026-03-02T08:20:00Z", "error": "cancelled by dash-operator while running at 42 %"})
STUDY_LIST_EXAMPLE = OpenApiExample("One study", response_only=True, value={
    "count": 1, "next": None, "previous": None, "results": [STUDY]})

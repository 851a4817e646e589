"""POST /backtests (start a run as a Celery task), GET /backtests (paged), GET /backtests/{id} (status, progress,
metrics), POST /backtests/{id}/cancel (audited); POST /backtests/studies (start an optimiser study as a Celery
task), GET /backtests/studies (paged), GET /backtests/studies/{id} (out-of-sample figures first), POST
/backtests/studies/{id}/apply and .../cancel (audited).
Progress also arrives live on the dashboard socket (``backtest.progress``, ``study.progress``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trader.api.authentication import ApiKeyPrincipal
from trader.api.serializers.backtests import (
    CANCELLED_EXAMPLE,
    DONE_EXAMPLE,
    LIST_EXAMPLE,
    PENDING_EXAMPLE,
    START_EXAMPLE,
    START_SCANNER_EXAMPLE,
    STUDY_APPLIED_EXAMPLE,
    STUDY_CANCELLED_EXAMPLE,
    STUDY_EXAMPLE,
    STUDY_LIST_EXAMPLE,
    STUDY_PENDING_EXAMPLE,
    STUDY_START_EXAMPLE,
    BacktestListQuerySerializer,
    BacktestRunSerializer,
    BacktestStartSerializer,
    BacktestStudySerializer,
    StudyStartSerializer,
)
from trader.api.serializers.common import responses
from trader.api.views.base import NoBodyAPIView, Pages, actor_for, body, query_params
from trader.backtest.selectors import (
    backtest_run_get,
    backtest_runs_filtered,
    backtest_studies_filtered,
    backtest_study_detail,
    backtest_study_summary,
)
from trader.models import BacktestRun, BacktestStudy, StudyOrigin
from trader.services.backtest import CandleSource, backtest_cancel, backtest_request_build, backtest_start
from trader.services.study import study_apply_for, study_cancel, study_request_build, study_start

RUN_ID_MAX = 2**63 - 1  # the id columns' range: a larger id is no run or study, not a database error


class BacktestsView(ListAPIView):
    serializer_class = BacktestRunSerializer
    pagination_class = Pages

    @extend_schema(tags=["backtests"], summary="Backtest runs, newest first (paged)",
                   parameters=[BacktestListQuerySerializer],
                   responses=responses(BacktestRunSerializer(many=True), errors=(400, 401, 404, 429)),
                   examples=[LIST_EXAMPLE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return backtest_runs_filtered(**query_params(BacktestListQuerySerializer, self.request))

    @extend_schema(tags=["backtests"], summary="Start a backtest run (a Celery task); 202 with the pending run",
                   description="Validated first (400 names the field: unknown strategy, an empty or too long "
                               "period, ema_cross without tp_pct/sl_pct, a symbol without candles in the source); "
                               "409 while two runs are already pending or running. Follow it with GET "
                               "/api/v1/backtests/{id} or the dashboard socket's backtest.progress events.",
                   request=BacktestStartSerializer,
                   responses=responses(BacktestRunSerializer, errors=(400, 401, 403, 409, 429), status_code=202),
                   examples=[START_EXAMPLE, START_SCANNER_EXAMPLE, PENDING_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = body(BacktestStartSerializer, request)
        backtest = backtest_request_build(
            strategy=data["strategy"], symbols=data["symbols"], start=data["start"], end=data["end"],
            source=CandleSource(data["source"]), overrides=data.get("overrides") or {}, tp_pct=data.get("tp_pct"),
            sl_pct=data.get("sl_pct"), fee_pct=data.get("fee_pct"), attribution=data["attribution"])
        run = backtest_start(request=backtest, actor=actor_for(request))
        return Response(BacktestRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


def _run_or_404(run_id: int, call: Callable[..., Any], **kwargs: Any) -> Any:
    """``call(run_id=run_id, **kwargs)``, a 404 for an unknown run."""
    return _job_or_404(BacktestRun, "backtest run", run_id, call, run_id=run_id, **kwargs)


def _job_or_404(model: type[BacktestRun | BacktestStudy], what: str, job_id: int, call: Callable[..., Any],
                **kwargs: Any) -> Any:
    """``call(**kwargs)`` (which names job ``job_id``), a 404 naming ``what`` for an unknown job (an id past
    the column's range too)."""
    try:
        if job_id > RUN_ID_MAX:
            raise model.DoesNotExist
        return call(**kwargs)
    except model.DoesNotExist:
        raise NotFound(f"no {what} {job_id}") from None


class BacktestView(APIView):
    @extend_schema(tags=["backtests"], summary="One run: status, progress and (once done) its metrics",
                   responses=responses(BacktestRunSerializer, errors=(401, 404, 429)), examples=[DONE_EXAMPLE])
    def get(self, request: Request, run_id: int) -> Response:
        return Response(BacktestRunSerializer(_run_or_404(run_id, backtest_run_get)).data)


class BacktestCancelView(NoBodyAPIView):
    @extend_schema(tags=["backtests"], summary="Cancel a pending or running backtest run",
                   description="A pending run never starts; a running one stops at its next progress report "
                               "(within about a second) and stores no result. Its slot among the runs allowed at "
                               "once is free at once. Audited as backtest.cancel. 409 for a run already done, "
                               "failed or cancelled. No body.",
                   request=None, responses=responses(BacktestRunSerializer, errors=(401, 403, 404, 409, 429)),
                   examples=[CANCELLED_EXAMPLE])
    def post(self, request: Request, run_id: int) -> Response:
        return Response(BacktestRunSerializer(_run_or_404(run_id, backtest_cancel, actor=actor_for(request))).data)


class BacktestStudiesView(ListAPIView):
    serializer_class = BacktestStudySerializer
    pagination_class = Pages

    @extend_schema(tags=["backtests"], summary="Optimiser studies, newest first (paged)",
                   description="Walk-forward studies (started here, on the /backtests page, by the weekly "
                               "schedule or stored by manage.py backtest_optimise --store): out_of_sample first "
                               "(the test windows' figures together), then the searched ranges, each window's "
                               "best parameters with train score and test metrics, the recommendation and whether "
                               "it was applied.",
                   parameters=[BacktestListQuerySerializer],
                   responses=responses(BacktestStudySerializer(many=True), errors=(400, 401, 404, 429)),
                   examples=[STUDY_LIST_EXAMPLE])
    def get(self, request: Request, *args, **kwargs) -> Response:
        studies = backtest_studies_filtered(**query_params(BacktestListQuerySerializer, request))
        page = self.paginate_queryset(studies)
        summaries = [backtest_study_summary(study=study) for study in page]
        return self.get_paginated_response(BacktestStudySerializer(summaries, many=True).data)

    @extend_schema(tags=["backtests"], summary="Start an optimiser study (a Celery task); 202 with the pending study",
                   description="Validated first: 400 lists every problem by field (unknown strategy or metric, "
                               "ema_cross, folds, trials, min_trades out of range, an empty or too long period, a "
                               "symbol without candles in the source); 409 while a study is pending or running. "
                               "The study runs on the analysis queue (3 h limit); follow it with the Location, GET "
                               "/api/v1/backtests/studies/{id}, or the dashboard socket's study.progress events. "
                               "Nothing is applied to the live config until POST .../apply.",
                   request=StudyStartSerializer,
                   responses=responses(BacktestStudySerializer, errors=(400, 401, 403, 409, 429), status_code=202),
                   examples=[STUDY_START_EXAMPLE, STUDY_PENDING_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = body(StudyStartSerializer, request)
        optimise_request = study_request_build(
            strategy=data["strategy"], symbols=data["symbols"], start=data["start"], end=data["end"],
            source=CandleSource(data["source"]), folds=data["folds"], trials=data["trials"], metric=data["metric"],
            min_trades=data["min_trades"], seed=data["seed"])
        # A logged-in user's request comes from the dashboard page; an API key's from a script.
        origin = StudyOrigin.API if isinstance(request.user, ApiKeyPrincipal) else StudyOrigin.PAGE
        study = study_start(request=optimise_request, actor=actor_for(request), origin=origin)
        location = reverse("api-backtest-study", args=[study.pk])
        return Response(BacktestStudySerializer(backtest_study_summary(study=study)).data,
                        status=status.HTTP_202_ACCEPTED, headers={"Location": location})


def _study_or_404(study_id: int, call: Callable[..., Any], **kwargs: Any) -> Any:
    """``call(study_id=study_id, **kwargs)``, a 404 for an unknown study."""
    return _job_or_404(BacktestStudy, "optimiser study", study_id, call, study_id=study_id, **kwargs)


class BacktestStudyView(APIView):
    @extend_schema(tags=["backtests"], summary="One optimiser study: windows, best parameters, train vs test",
                   responses=responses(BacktestStudySerializer, errors=(401, 404, 429)), examples=[STUDY_EXAMPLE])
    def get(self, request: Request, study_id: int) -> Response:
        study = _study_or_404(study_id, backtest_study_detail)
        return Response(BacktestStudySerializer(study).data)


class BacktestStudyApplyView(NoBodyAPIView):
    @extend_schema(tags=["backtests"], summary="Apply a finished study's recommendation to the live config",
                   description="Writes long_threshold, short_threshold, tp_pct, sl_pct and leverage_rules from the "
                               "study's recommended parameters, audited per changed field (config.update) and as "
                               "backtest.study_apply. 409 for a study not done; 400 when the config refuses a "
                               "value (nothing changed). No body.",
                   request=None, responses=responses(BacktestStudySerializer, errors=(400, 401, 403, 404, 409, 429)),
                   examples=[STUDY_APPLIED_EXAMPLE])
    def post(self, request: Request, study_id: int) -> Response:
        study = _study_or_404(study_id, study_apply_for, actor=actor_for(request))
        return Response(BacktestStudySerializer(backtest_study_summary(study=study)).data)


class BacktestStudyCancelView(NoBodyAPIView):
    @extend_schema(tags=["backtests"], summary="Cancel a pending or running optimiser study",
                   description="A pending study never starts; a running one stops at its next trial (within about "
                               "a second) and keeps no result. The one-study slot is free at once, also for a study "
                               "whose worker is gone. Audited as backtest.study_cancel. 409 for a study already "
                               "done, failed or cancelled. No body.",
                   request=None, responses=responses(BacktestStudySerializer, errors=(401, 403, 404, 409, 429)),
                   examples=[STUDY_CANCELLED_EXAMPLE])
    def post(self, request: Request, study_id: int) -> Response:
        study = _study_or_404(study_id, study_cancel, actor=actor_for(request))
        return Response(BacktestStudySerializer(backtest_study_summary(study=study)).data)

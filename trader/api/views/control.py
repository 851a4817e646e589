"""The dashboard control-suite routes, /api/trader/: the same services as /api/v1/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trader.api.selectors import status_overview, trader_logs, trader_overview
from trader.api.serializers.common import OUTCOMES_EXAMPLE, CloseOutcomeSerializer, CloseOutcomesSerializer, responses
from trader.api.serializers.control import (
    CLOSE_EXAMPLE,
    CLOSE_REQUEST_EXAMPLE,
    CONTROL_EXAMPLES,
    CONTROL_RESULT_EXAMPLE,
    OVERVIEW_PAUSED_EXAMPLE,
    TRADER_LOGS_EXAMPLE,
    ClosePositionSerializer,
    ControlResultSerializer,
    ControlSerializer,
    TraderLogsQuerySerializer,
    TraderLogsSerializer,
    TraderOverviewSerializer,
)
from trader.api.services import ControlAction, trader_control
from trader.api.views.base import NoBodyAPIView, actor_for, body, output, query_params
from trader.services.control import position_close_manual, positions_close_all_manual

WRITE_ERRORS = (400, 401, 403, 409, 429, 503)


class TraderStatusView(APIView):
    @extend_schema(tags=["control-suite"], summary="Bot state, positions, balance and config in one answer",
                   description="positions and balance are null while paused or when the exchange is unreachable; "
                               "exchange.detail says why.",
                   responses=responses(TraderOverviewSerializer), examples=[OVERVIEW_PAUSED_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(output(TraderOverviewSerializer, trader_overview()))


class TraderControlView(APIView):
    @extend_schema(tags=["control-suite"], summary="start, stop, pause, emergency-stop or clear-lockfile",
                   description="start: switch to `mode` when given, then enable (409 while locked). stop: disable "
                               "(positions stay open). pause: mode paused. emergency-stop: lock and close "
                               "everything. clear-lockfile: clear the lock.",
                   request=ControlSerializer, responses=responses(ControlResultSerializer, errors=WRITE_ERRORS),
                   examples=[*CONTROL_EXAMPLES, CONTROL_RESULT_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = body(ControlSerializer, request)
        result = trader_control(action=ControlAction(data["action"]), actor=actor_for(request),
                                mode=data.get("mode"), confirm_live=data["confirm_live"],
                                open_positions=data.get("open_positions"))
        return Response(ControlResultSerializer({"action": data["action"], "status": status_overview(),
                                                 **result}).data)


class TraderClosePositionView(APIView):
    @extend_schema(tags=["control-suite"], summary="Close one position (same as POST /api/v1/positions/{market}/close)",
                   request=ClosePositionSerializer, responses=responses(CloseOutcomeSerializer, errors=WRITE_ERRORS),
                   examples=[CLOSE_REQUEST_EXAMPLE, CLOSE_EXAMPLE])
    def post(self, request: Request) -> Response:
        symbol = body(ClosePositionSerializer, request)["symbol"]
        outcome = position_close_manual(symbol=symbol, actor=actor_for(request))
        return Response(CloseOutcomeSerializer(outcome.as_dict()).data)


class TraderCloseAllView(NoBodyAPIView):
    @extend_schema(tags=["control-suite"], summary="Close every position (same as POST /api/v1/positions/close-all)",
                   request=None, responses=responses(CloseOutcomesSerializer, errors=(401, 403, 409, 429, 503)),
                   examples=[OUTCOMES_EXAMPLE])
    def post(self, request: Request) -> Response:
        outcomes = positions_close_all_manual(actor=actor_for(request))
        return Response({"outcomes": CloseOutcomeSerializer([o.as_dict() for o in outcomes], many=True).data})


class TraderLogsView(APIView):
    @extend_schema(tags=["control-suite"], summary="Recent trades, errors, signals (decisions) and cycles",
                   parameters=[TraderLogsQuerySerializer],
                   responses=responses(TraderLogsSerializer, errors=(400, 401, 429)), examples=[TRADER_LOGS_EXAMPLE])
    def get(self, request: Request) -> Response:
        limit = query_params(TraderLogsQuerySerializer, request)["limit"]
        return Response(TraderLogsSerializer(trader_logs(limit=limit)).data)

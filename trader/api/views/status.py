"""Status, on/off, mode, the lock and the kill switch, emergency stop."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trader.api.selectors import status_overview
from trader.api.serializers.common import OUTCOMES_EXAMPLE, CloseOutcomeSerializer, CloseOutcomesSerializer, responses
from trader.api.serializers.status import (
    MODE_EXAMPLES,
    REARM_EXAMPLE,
    STATUS_EXAMPLE,
    KillSwitchRearmSerializer,
    ModeSetSerializer,
    StatusSerializer,
)
from trader.api.services import kill_switch_rearm_at
from trader.api.views.base import NoBodyAPIView, actor_for, body, output
from trader.services.control import emergency_stop
from trader.services.status import lock_clear, trader_enabled_set, trader_mode_set

CONTROL_ERRORS = (401, 403, 409, 429)


def status_response() -> Response:
    return Response(output(StatusSerializer, status_overview()))


class StatusView(APIView):
    @extend_schema(tags=["status"], summary="Bot status: mode, on/off, lock, lockfile, uptime, last scan",
                   responses=responses(StatusSerializer), examples=[STATUS_EXAMPLE])
    def get(self, request: Request) -> Response:
        return status_response()


class StatusEnableView(NoBodyAPIView):
    @extend_schema(tags=["status"], summary="Enable trading (409 while locked: clear the lock first)", request=None,
                   responses=responses(StatusSerializer, errors=CONTROL_ERRORS), examples=[STATUS_EXAMPLE])
    def post(self, request: Request) -> Response:
        trader_enabled_set(enabled=True, actor=actor_for(request))
        return status_response()


class StatusDisableView(NoBodyAPIView):
    @extend_schema(tags=["status"], summary="Disable trading gracefully: no new orders, positions stay open",
                   request=None, responses=responses(StatusSerializer, errors=CONTROL_ERRORS),
                   examples=[STATUS_EXAMPLE])
    def post(self, request: Request) -> Response:
        trader_enabled_set(enabled=False, actor=actor_for(request))
        return status_response()


class StatusModeView(APIView):
    @extend_schema(tags=["status"], summary="Switch mode: paused, dry-run or live (live needs confirm_live: true)",
                   description="Live is refused (409) without `confirm_live: true`, without the configured "
                               "venue's credentials, or while the venue's own status is not open (closed, "
                               "suspended, reduce-only, unreachable; the message says which). "
                               "Entering a book (mode, venue) while another book has open positions is refused "
                               "(409, code open_positions) unless `open_positions` is close or leave. "
                               "Every switch is written to the audit log with the key or user.",
                   request=ModeSetSerializer, responses=responses(StatusSerializer, errors=(400, *CONTROL_ERRORS)),
                   examples=[*MODE_EXAMPLES, STATUS_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = body(ModeSetSerializer, request)
        trader_mode_set(mode=data["mode"], actor=actor_for(request), confirm_live=data["confirm_live"],
                        open_positions=data.get("open_positions"))
        return status_response()


class LockfileView(NoBodyAPIView):
    @extend_schema(tags=["status"], summary="Clear the lock (circuit breaker or emergency stop) and its lockfile",
                   description="A latched kill switch is refused (409): re-arm it with POST /kill-switch/rearm.",
                   responses=responses(StatusSerializer, errors=CONTROL_ERRORS), examples=[STATUS_EXAMPLE])
    def delete(self, request: Request) -> Response:
        lock_clear(actor=actor_for(request))
        return status_response()


class KillSwitchRearmView(APIView):
    @extend_schema(tags=["status"], summary="Re-arm a latched kill switch at the equity the exchange reports now",
                   description="The new reference is read from the active book's exchange. An `equity` sent along "
                               "is a cross-check: not positive (400) or not within 2 % of the exchange's (409) is "
                               "refused. 409 while paused or not latched; 503 when the exchange is unreachable.",
                   request=KillSwitchRearmSerializer,
                   responses=responses(StatusSerializer, errors=(400, *CONTROL_ERRORS, 503)),
                   examples=[REARM_EXAMPLE, STATUS_EXAMPLE])
    def post(self, request: Request) -> Response:
        data = body(KillSwitchRearmSerializer, request)
        kill_switch_rearm_at(actor=actor_for(request), equity=data.get("equity"))
        return status_response()


class EmergencyStopView(NoBodyAPIView):
    @extend_schema(tags=["status"], summary="Emergency stop: lock the bot, then close every position",
                   description="The lock is taken before any close; it stays until cleared. Each close's outcome "
                               "is reported (a failed close does not stop the others).", request=None,
                   responses=responses(CloseOutcomesSerializer, errors=(401, 403, 429)), examples=[OUTCOMES_EXAMPLE])
    def post(self, request: Request) -> Response:
        outcomes = emergency_stop(actor=actor_for(request))
        return Response({"outcomes": CloseOutcomeSerializer([o.as_dict() for o in outcomes], many=True).data})

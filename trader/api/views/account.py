"""GET /account, GET/PUT/DELETE /account/config and POST /account/test (each of one venue:
``?venue=coinex`` by default, or ``binance``), GET /positions, position closes."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coinex.credentials import connection_test, credentials_summary
from trader.api.selectors import account_in_currency, account_overview, positions_current
from trader.api.serializers.account import (
    ACCOUNT_EXAMPLE,
    CONNECTION_EXAMPLE,
    CREDENTIALS_EXAMPLE,
    CREDENTIALS_UPDATE_EXAMPLE,
    POSITIONS_EXAMPLE,
    VENUE_PARAMETER,
    AccountSerializer,
    ConnectionTestSerializer,
    CredentialsSummarySerializer,
    CredentialsUpdateSerializer,
    PositionSerializer,
    VenueQuerySerializer,
)
from trader.api.serializers.common import (
    OUTCOMES_EXAMPLE,
    READ_ERRORS,
    CloseOutcomeSerializer,
    CloseOutcomesSerializer,
    CurrencyQuerySerializer,
    responses,
)
from trader.api.serializers.control import CLOSE_EXAMPLE, ClosePositionSerializer
from trader.api.services import credentials_remove, credentials_update
from trader.api.views.base import (
    NoBodyAPIView,
    actor_for,
    body,
    body_empty_require,
    output,
    query_params,
    validated,
)
from trader.fx.convert import rate_quote
from trader.models.config import SYMBOL_PATTERN
from trader.services.control import position_close_manual, positions_close_all_manual

EXCHANGE_READ_ERRORS = (401, 409, 429, 503)
EXCHANGE_WRITE_ERRORS = (401, 403, 409, 429, 503)


class AccountView(APIView):
    @extend_schema(tags=["account"], summary="Balance, equity, margin, kill-switch distance and portfolio heat",
                   description="From the exchange. 409 while paused (no exchange is used); 503 when the exchange or "
                               "the currency rate source is unreachable. ``currency`` converts the money figures "
                               "(400 for an unknown one).",
                   parameters=[CurrencyQuerySerializer],
                   responses=responses(AccountSerializer, errors=(400, *EXCHANGE_READ_ERRORS)),
                   examples=[ACCOUNT_EXAMPLE])
    def get(self, request: Request) -> Response:
        quote = rate_quote(query_params(CurrencyQuerySerializer, request)["currency"])
        return Response(output(AccountSerializer, account_in_currency(account_overview(), quote=quote)))


def _venue(request: Request) -> str:
    """The ``?venue=`` of a credentials request (``coinex`` when absent); a 400 for any other."""
    return query_params(VenueQuerySerializer, request)["venue"]


class AccountConfigView(APIView):
    @extend_schema(tags=["account"], summary="A venue's credentials in force (access id masked, never the secret)",
                   parameters=[VENUE_PARAMETER],
                   responses=responses(CredentialsSummarySerializer, errors=(400, *READ_ERRORS)),
                   examples=[CREDENTIALS_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(CredentialsSummarySerializer(credentials_summary(venue=_venue(request))).data)

    @extend_schema(tags=["account"], summary="Store new credentials of a venue (encrypted at rest, audited)",
                   description="409 when no CREDENTIALS_ENCRYPTION_KEY is set. Environment credentials, when set, "
                               "still take precedence.",
                   parameters=[VENUE_PARAMETER], request=CredentialsUpdateSerializer,
                   responses=responses(CredentialsSummarySerializer, errors=(400, 401, 403, 409, 429)),
                   examples=[CREDENTIALS_UPDATE_EXAMPLE, CREDENTIALS_EXAMPLE])
    def put(self, request: Request) -> Response:
        venue = _venue(request)
        data = body(CredentialsUpdateSerializer, request)
        credentials_update(access_id=data["access_id"], secret_key=data["secret_key"], venue=venue,
                           actor=actor_for(request))
        return Response(CredentialsSummarySerializer(credentials_summary(venue=venue)).data)

    @extend_schema(tags=["account"], summary="Delete the stored credentials of a venue (audited)",
                   description="Credentials from the environment are not touched and stay in force.",
                   parameters=[VENUE_PARAMETER], request=None,
                   responses=responses(CredentialsSummarySerializer, errors=(400, 401, 403, 429)),
                   examples=[CREDENTIALS_EXAMPLE])
    def delete(self, request: Request) -> Response:
        venue = _venue(request)
        body_empty_require(request)
        credentials_remove(venue=venue, actor=actor_for(request))
        return Response(CredentialsSummarySerializer(credentials_summary(venue=venue)).data)


class ConnectionTestView(NoBodyAPIView):
    @extend_schema(tags=["account"], summary="Test a venue's credentials against its balance endpoint",
                   description="Answers 200 with ok, auth_failed, unreachable or not_configured.", request=None,
                   parameters=[VENUE_PARAMETER],
                   responses=responses(ConnectionTestSerializer, errors=(400, 401, 403, 429)),
                   examples=[CONNECTION_EXAMPLE])
    def post(self, request: Request) -> Response:
        result = connection_test(venue=_venue(request))
        return Response(ConnectionTestSerializer({"status": result.status, "message": result.message}).data)


class PositionsView(APIView):
    @extend_schema(tags=["positions"], summary="Open positions on the exchange of the current mode",
                   responses=responses(PositionSerializer(many=True), errors=EXCHANGE_READ_ERRORS),
                   examples=[POSITIONS_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(output(PositionSerializer, positions_current(), many=True))


class PositionCloseView(NoBodyAPIView):
    @extend_schema(tags=["positions"], summary="Close one position at market (audited)", request=None,
                   parameters=[OpenApiParameter("market", str, OpenApiParameter.PATH, pattern=SYMBOL_PATTERN.pattern,
                                                description="Exchange symbol, e.g. BTCUSDT.")],
                   responses=responses(CloseOutcomeSerializer, errors=(400, *EXCHANGE_WRITE_ERRORS)),
                   examples=[CLOSE_EXAMPLE])
    def post(self, request: Request, market: str) -> Response:
        symbol = validated(ClosePositionSerializer, {"symbol": market})["symbol"]
        outcome = position_close_manual(symbol=symbol, actor=actor_for(request))
        return Response(CloseOutcomeSerializer(outcome.as_dict()).data)


class PositionsCloseAllView(NoBodyAPIView):
    @extend_schema(tags=["positions"], summary="Close every open position at market (audited)", request=None,
                   responses=responses(CloseOutcomesSerializer, errors=EXCHANGE_WRITE_ERRORS),
                   examples=[OUTCOMES_EXAMPLE])
    def post(self, request: Request) -> Response:
        outcomes = positions_close_all_manual(actor=actor_for(request))
        return Response({"outcomes": CloseOutcomeSerializer([o.as_dict() for o in outcomes], many=True).data})

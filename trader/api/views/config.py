"""GET/PATCH /config, POST /config/reset, GET /config/history (and the control suite's POST config)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trader.api.serializers.common import responses
from trader.api.serializers.config import (
    CONFIG_EXAMPLE,
    CONFIG_HISTORY_EXAMPLE,
    CONFIG_PATCH_EXAMPLE,
    ConfigHistoryEntrySerializer,
    ConfigSerializer,
    HistoryQuerySerializer,
)
from trader.api.views.base import NoBodyAPIView, actor_for, body, query_params
from trader.selectors import config_history
from trader.services.config import config_as_dict, config_get, config_reset, config_update

CONFIG_WRITE_ERRORS = (400, 401, 403, 429)


def config_changed_response(request: Request) -> Response:
    """Validate a partial config from the body, apply it (audited), answer the new config."""
    changes = body(ConfigSerializer, request, partial=True)
    config = config_update(changes=changes, actor=actor_for(request))
    return Response(config_as_dict(config))


class ConfigView(APIView):
    @extend_schema(tags=["config"], summary="The runtime config", responses=responses(ConfigSerializer),
                   examples=[CONFIG_EXAMPLE])
    def get(self, request: Request) -> Response:
        return Response(config_as_dict(config_get()))

    @extend_schema(tags=["config"], summary="Change some config fields (validated, audited, hot-reloaded)",
                   request=ConfigSerializer, responses=responses(ConfigSerializer, errors=CONFIG_WRITE_ERRORS),
                   examples=[CONFIG_PATCH_EXAMPLE, CONFIG_EXAMPLE])
    def patch(self, request: Request) -> Response:
        return config_changed_response(request)


class ConfigResetView(NoBodyAPIView):
    @extend_schema(tags=["config"], summary="Reset every field to its default (audited)", request=None,
                   responses=responses(ConfigSerializer, errors=(401, 403, 429)), examples=[CONFIG_EXAMPLE])
    def post(self, request: Request) -> Response:
        return Response(config_as_dict(config_reset(actor=actor_for(request))))


class ConfigHistoryView(APIView):
    @extend_schema(tags=["config"], summary="Latest config changes (who, when, old -> new)",
                   parameters=[HistoryQuerySerializer],
                   responses=responses(ConfigHistoryEntrySerializer(many=True), errors=(400, 401, 429)),
                   examples=[CONFIG_HISTORY_EXAMPLE])
    def get(self, request: Request) -> Response:
        limit = query_params(HistoryQuerySerializer, request)["limit"]
        return Response(ConfigHistoryEntrySerializer(config_history(limit=limit), many=True).data)


class TraderConfigView(APIView):
    """The control suite's config route: the same partial update as PATCH /api/v1/config."""

    @extend_schema(tags=["control-suite"], summary="Update the runtime config (same as PATCH /api/v1/config)",
                   request=ConfigSerializer, responses=responses(ConfigSerializer, errors=CONFIG_WRITE_ERRORS),
                   examples=[CONFIG_PATCH_EXAMPLE, CONFIG_EXAMPLE])
    def post(self, request: Request) -> Response:
        return config_changed_response(request)

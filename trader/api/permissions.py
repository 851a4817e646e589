"""Who may do what: any authenticated caller reads; writes need a full key or a logged-in user."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from trader.api.authentication import ApiKeyPrincipal


class ReadOrFullScope(BasePermission):
    """Authenticated callers may read; a read-only API key gets 403 on every write."""

    message = "this API key is read-only: writes need a key with the full scope"

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        if isinstance(user, ApiKeyPrincipal):
            return user.api_key.can_write
        return True

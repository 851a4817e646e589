"""Who is acting: a user (page, admin, API session), an API key, a command, or the bot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trader.models import AuditVia

API_KEY_LABEL_PREFIX = "api-key:"


@dataclass(frozen=True)
class Actor:
    """The author of an audited change. ``label`` is what the audit log shows."""

    via: AuditVia
    label: str
    user_id: int | None = None
    authenticated: bool = False

    @property
    def described(self) -> str:
        """The actor in log lines and messages: the label, but an API key as ``API key 'ops'``. The log
        filter masks whatever looks like ``api-key:<value>`` (a secret's shape), which would hide whose
        key acted; the audit keeps the label."""
        name = self.label.removeprefix(API_KEY_LABEL_PREFIX)
        return f"API key '{name}'" if self.via == AuditVia.API and name != self.label else self.label

    @classmethod
    def for_user(cls, user: Any, *, via: AuditVia) -> Actor:
        """A logged-in user acting through the admin, a page or the API (session)."""
        return cls(via=via, label=user.get_username(), user_id=user.pk, authenticated=bool(user.is_authenticated))

    @classmethod
    def for_api_key(cls, *, name: str) -> Actor:
        """A request authenticated by an API key."""
        return cls(via=AuditVia.API, label=f"{API_KEY_LABEL_PREFIX}{name}", authenticated=True)

    @classmethod
    def for_command(cls, *, name: str) -> Actor:
        """An operator at the shell (manage.py): authenticated by access to the host."""
        return cls(via=AuditVia.COMMAND, label=f"command:{name}", authenticated=True)

    @classmethod
    def system(cls) -> Actor:
        """The bot itself (a safety rule tripping): never allowed to raise risk."""
        return cls(via=AuditVia.SYSTEM, label="system", authenticated=False)

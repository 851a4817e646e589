"""API keys: create (shown once), authenticate (constant-time hash compare), revoke.

A key reads ``ctk_<8 hex prefix>_<43 url-safe characters>`` (32 random bytes). Only its
SHA-256 is stored; the prefix finds the row. ``last_used_at`` is written at most once a
minute per key, so a busy client does not turn every read into a write.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from config.logging import Category
from config.row_cache import RowCache
from trader.models import ApiKey, ApiKeyScope
from trader.services.actor import Actor
from trader.services.audit import audit_record

logger = logging.getLogger(__name__)

KEY_PREFIX = "ctk_"
PREFIX_HEX_CHARS = 8
SECRET_BYTES = 32
LAST_USED_RESOLUTION = timedelta(minutes=1)

_keys = RowCache(ApiKey)  # every API request looks its key up: re-read only when the row changed (revoked)


@dataclass(frozen=True)
class IssuedKey:
    """A freshly created key: the row and the plain key, which is never available again."""

    api_key: ApiKey
    plain_key: str


def key_hash(plain_key: str) -> str:
    """SHA-256 (hex) of a plain key."""
    return hashlib.sha256(plain_key.encode()).hexdigest()


def _split(plain_key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    if not plain_key.startswith(KEY_PREFIX):
        return None
    prefix, _, secret = plain_key[len(KEY_PREFIX):].partition("_")
    if len(prefix) != PREFIX_HEX_CHARS or not secret:
        return None
    return prefix


def api_key_create(*, name: str, read_only: bool, actor: Actor | None = None) -> IssuedKey:
    """Create a named key (read-only or full) and return it with its plain key, shown once.

    The creation is audited (``api_key.create``, never the key) when ``actor`` is given.
    Raises ``ValueError`` when the name is empty or already used.
    """
    name = name.strip()
    if not name:
        raise ValueError("an API key needs a name")
    if ApiKey.objects.filter(name=name).exists():
        raise ValueError(f"an API key named {name!r} already exists")
    scope = ApiKeyScope.READ_ONLY if read_only else ApiKeyScope.FULL
    for _attempt in range(5):  # a prefix collision is astronomically rare; retry rather than fail
        prefix = secrets.token_hex(PREFIX_HEX_CHARS // 2)
        plain_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
        try:
            with transaction.atomic():
                api_key = ApiKey.objects.create(name=name, prefix=prefix, key_hash=key_hash(plain_key), scope=scope)
                if actor is not None:
                    audit_record(actor=actor, action="api_key.create", field="name", new=name,
                                 detail=f"scope {scope.label}, prefix ctk_{prefix}_")
        except IntegrityError:
            if ApiKey.objects.filter(name=name).exists():
                raise ValueError(f"an API key named {name!r} already exists") from None
            continue
        logger.info("API key %r created (%s)", name, api_key.get_scope_display(), extra={"category": Category.API})
        return IssuedKey(api_key, plain_key)
    raise RuntimeError("could not find a free API key prefix")


def api_key_authenticate(*, plain_key: str) -> ApiKey | None:
    """The active key matching ``plain_key``, or None (unknown, malformed or revoked).

    Compares hashes in constant time and records the use (at most once a minute).
    """
    prefix = _split(plain_key)
    if prefix is None:
        return None
    api_key = _keys.get(prefix=prefix)
    if api_key is None or api_key.revoked or not hmac.compare_digest(api_key.key_hash, key_hash(plain_key)):
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key


@transaction.atomic
def api_key_revoke(*, name: str, actor: Actor | None = None) -> bool:
    """Revoke the key called ``name``; True when a key was revoked (audited when ``actor`` is given)."""
    revoked = ApiKey.objects.filter(name=name, revoked=False).update(revoked=True)
    if revoked:
        if actor is not None:
            audit_record(actor=actor, action="api_key.revoke", field="name", new=name)
        logger.warning("API key %r revoked", name, extra={"category": Category.API})
    return bool(revoked)

"""API keys for the REST API: named, revocable, read-only or full, stored only as a hash.

A key is ``ctk_<prefix>_<secret>``: the prefix (8 hex characters) is stored in clear to
find the row, the whole key only as its SHA-256. The key itself is shown once, when it is
created (admin or ``manage.py create_api_key``), and can never be read back.
"""

from __future__ import annotations

from django.db import models


class ApiKeyScope(models.TextChoices):
    READ_ONLY = "read", "read-only"
    FULL = "full", "full (read and write)"


class ApiKey(models.Model):
    """One API key: who it belongs to (its name), what it may do, whether it still works."""

    name = models.CharField(max_length=60, unique=True, help_text="Who or what uses the key; shown in the audit log.")
    prefix = models.CharField(max_length=8, unique=True, editable=False, help_text="Visible part, to recognise a key.")
    key_hash = models.CharField(max_length=64, editable=False, help_text="SHA-256 of the whole key (hex).")
    scope = models.CharField(max_length=4, choices=ApiKeyScope.choices, default=ApiKeyScope.READ_ONLY)
    revoked = models.BooleanField(default=False, help_text="A revoked key is refused (401) at once.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        state = " (revoked)" if self.revoked else ""
        return f"{self.name} [ctk_{self.prefix}_…] {self.get_scope_display()}{state}"

    @property
    def can_write(self) -> bool:
        return self.scope == ApiKeyScope.FULL and not self.revoked

"""The audit log: every change of config, mode, lock or position made by a person or key."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditVia(models.TextChoices):
    ADMIN = "admin", "admin"
    API = "api", "REST API"
    PAGE = "page", "dashboard page"
    COMMAND = "command", "management command"
    SYSTEM = "system", "the bot itself"


class AuditEntry(models.Model):
    """One audited action: who (user or API key), when, through what, what changed."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=150, help_text="User name, 'api-key:<name>' or 'system'.")
    via = models.CharField(max_length=10, choices=AuditVia.choices)
    action = models.CharField(max_length=40, db_index=True, help_text="e.g. config.update, mode.set, lock.clear")
    field = models.CharField(max_length=60, blank=True)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"
        indexes = [models.Index(fields=["action", "-at"])]

    def __str__(self) -> str:
        change = f" {self.field}: {self.old_value!r} -> {self.new_value!r}" if self.field else ""
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} via {self.via}: {self.action}{change}"

"""Dashboard pages: thin views over selectors; every page requires login."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from config.health import health_report


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The platform's front page: the state of every part, linked to the tools."""
    return render(request, "dashboard/home.html", {"health": health_report()})

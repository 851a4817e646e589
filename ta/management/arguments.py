"""Argument types shared by the ``ta`` management commands."""

from __future__ import annotations


def comma_list(value: str) -> list[str]:
    """``"BTCUSDT, ETHUSDT,"`` -> ``["BTCUSDT", "ETHUSDT"]``: a comma-separated option, blanks dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]

"""Writes owned by the dashboard (signal history)."""

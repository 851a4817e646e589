"""Celery tasks of the ta app (autodiscovered as ``ta.tasks``); one module per concern."""

from ta.tasks.analysis import analyse_symbols  # noqa: F401
from ta.tasks.market import fetch_candles, fetch_derivatives  # noqa: F401
from ta.tasks.structure import structure_symbols  # noqa: F401

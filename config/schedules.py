"""Every periodic task of the platform, declared in one place.

``manage.py setup_schedules`` turns these into django-celery-beat rows, so each one
shows in the admin (Periodic tasks) and can be edited or disabled there. A new
periodic task is one more entry in ``SCHEDULES`` below; nothing else creates them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True)
class ScheduleSpec:
    """One periodic task: a unique name, the task's registered name, and when: every ``every_s``
    seconds, or at the ``crontab`` times ("minute hour day_of_week", UTC) when given. ``enabled``
    False: created disabled, for an operator to switch on in the admin."""

    name: str
    task: str
    every_s: int
    description: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    crontab: str = ""


SCHEDULES: list[ScheduleSpec] = [
    # Market data (seed platform-v3): 5m candles every 30 s, 1h and 4h every 5 min.
    ScheduleSpec(
        name="market: fetch 5m candles",
        task="market.fetch_candles",
        every_s=30,
        description="Fetch the 5m candles of every enabled symbol (backfills 5m, 1h and 4h on first run), "
        "store and publish them.",
        kwargs={"timeframes": ["5m"], "backfill_missing": ["1h", "4h"]},
    ),
    ScheduleSpec(
        name="market: fetch 1h and 4h candles",
        task="market.fetch_candles",
        every_s=300,
        description="Fetch the 1h and 4h candles of every enabled symbol (backfills on first run), store, publish.",
        kwargs={"timeframes": ["1h", "4h"]},
    ),
    ScheduleSpec(
        name="market: fetch derivatives data",
        task="market.fetch_derivatives",
        every_s=60,
        description="Open interest, long/short ratios, taker volume (CVD) and funding of every enabled symbol "
        "(5m and 1h): backfills 30 days once, then follows; asks only for periods closed since the last run "
        "(a run with none due sends no request), paced under the shared Binance data budget "
        "(DERIVATIVES_BUDGET_REQUESTS_5M). Does nothing when DERIVATIVES_ENABLED is false.",
    ),
    # Trader: every scan_interval_minutes (the runtime config keeps this row's interval in step).
    ScheduleSpec(
        name="trader: cycle",
        task="trader.run_cycle",
        every_s=300,
        description="One trading cycle (returns at once while paused). Interval follows scan_interval_minutes.",
    ),
    ScheduleSpec(
        name="trader: recover an abandoned cycle",
        task="trader.cycle_recover",
        every_s=15,
        description="When a cycle's worker died mid-cycle (its record still running, its lease expired), run a "
        "cycle now: it marks the dead one failed, alerts, and reconciles what it sent. One query otherwise.",
    ),
    ScheduleSpec(
        name="trader: daily equity snapshots",
        task="trader.equity_snapshots",
        every_s=3_600,
        description="Keep each book's (live, dry-run) equity of the UTC day from its newest cycle: the equity curve "
        "of the live performance figures. Rewritten hourly, so each day's row ends with its last equity.",
    ),
    ScheduleSpec(
        name="backtests: mark lost runs failed",
        task="analysis.backtests_expire",
        every_s=300,
        description="Backtest runs still running (or pending) past the task's time limit lost their worker: "
        "mark them failed with the reason, so the page stops showing them as running.",
    ),
    ScheduleSpec(
        name="trader: refresh the paper venue's market rules",
        task="trader.paper_markets_refresh",
        every_s=3600,
        description="Dry-run on Binance USD-M only: fetch its market rules (tick, step, minimum notional) from "
        "exchangeInfo into the cache the paper exchange reads; the bundled rules apply until then.",
    ),
    ScheduleSpec(
        name="backtests: weekly optimiser proposal",
        task="analysis.study_weekly",
        every_s=7 * 86_400,
        crontab="0 3 1",  # Mondays 03:00 UTC
        enabled=False,
        description="Off by default. Runs a walk-forward optimiser study of the config's strategy on its traded "
        "symbols over the last 28 days (stored candles; kwargs days, folds, trials, symbols) and stores it as a "
        "proposal with an alert. It never applies: review it on /backtests and apply it there if it holds up "
        "out of sample.",
    ),
]
TRADER_CYCLE_SCHEDULE = "trader: cycle"


@dataclass(frozen=True)
class ScheduleOutcome:
    name: str
    action: str  # "created", "updated", "unchanged"


def _interval(every_s: int) -> IntervalSchedule:
    interval, _ = IntervalSchedule.objects.get_or_create(every=every_s, period=IntervalSchedule.SECONDS)
    return interval


def _crontab(spec: str) -> CrontabSchedule:
    """The UTC crontab of "minute hour day_of_week" (every day of every month)."""
    minute, hour, day_of_week = spec.split()
    crontab, _ = CrontabSchedule.objects.get_or_create(minute=minute, hour=hour, day_of_week=day_of_week,
                                                       day_of_month="*", month_of_year="*", timezone="UTC")
    return crontab


def _when(spec: ScheduleSpec) -> dict[str, Any]:
    """The PeriodicTask fields of ``spec``'s timing (an interval or a crontab, the other None)."""
    if spec.crontab:
        return {"crontab": _crontab(spec.crontab), "interval": None}
    return {"interval": _interval(spec.every_s), "crontab": None}


def _when_drifted(task: PeriodicTask, spec: ScheduleSpec) -> bool:
    if spec.crontab:
        crontab = task.crontab
        return crontab is None or task.interval is not None or (
            f"{crontab.minute} {crontab.hour} {crontab.day_of_week}" != spec.crontab or str(crontab.timezone) != "UTC")
    interval = task.interval
    return interval is None or interval.every != spec.every_s or interval.period != IntervalSchedule.SECONDS


@transaction.atomic
def schedules_apply(*, specs: list[ScheduleSpec] | None = None, reset: bool = False) -> list[ScheduleOutcome]:
    """Create the missing periodic tasks and repair the ones that drifted from their spec.

    What an operator edits in the admin (interval, enabled) is kept unless ``reset``;
    the task name, arguments and description always follow the spec. Idempotent.
    """
    outcomes = []
    for spec in SCHEDULES if specs is None else specs:
        kwargs_json = json.dumps(spec.kwargs, sort_keys=True)
        task = PeriodicTask.objects.filter(name=spec.name).first()
        if task is None:
            PeriodicTask.objects.create(
                name=spec.name,
                task=spec.task,
                **_when(spec),
                kwargs=kwargs_json,
                description=spec.description,
                enabled=spec.enabled,
            )
            outcomes.append(ScheduleOutcome(spec.name, "created"))
            continue
        changed = []
        for attribute, wanted in (("task", spec.task), ("kwargs", kwargs_json), ("description", spec.description)):
            if getattr(task, attribute) != wanted:
                setattr(task, attribute, wanted)
                changed.append(attribute)
        if reset or (task.interval is None and task.crontab is None):
            if _when_drifted(task, spec):
                for attribute, value in _when(spec).items():
                    setattr(task, attribute, value)
                changed.append("crontab" if spec.crontab else "interval")
            if task.enabled != spec.enabled:
                task.enabled = spec.enabled
                changed.append("enabled")
        if changed:
            task.save()
        outcomes.append(ScheduleOutcome(spec.name, "updated" if changed else "unchanged"))
    return outcomes

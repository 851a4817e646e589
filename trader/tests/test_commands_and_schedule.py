"""Running the cycle without Celery, and the cycle's schedule following the config."""

import io
import json

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from config.schedules import TRADER_CYCLE_SCHEDULE, schedules_apply
from trader.models import CycleLog
from trader.services.config import config_update

pytestmark = pytest.mark.django_db


def test_run_trader_cycle_runs_one_cycle_and_reports_it():
    out = io.StringIO()
    call_command("run_trader_cycle", "--json", stdout=out)
    record = json.loads(out.getvalue())
    assert record["outcome"] == "paused" and record["mode"] == "paused"
    assert CycleLog.objects.count() == 1


def test_run_trader_loops_the_requested_number_of_cycles():
    out = io.StringIO()
    call_command("run_trader", "--cycles", "1", stdout=out)
    assert "paused" in out.getvalue()
    assert CycleLog.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_changing_the_scan_interval_reschedules_the_cycle_without_a_restart(operator):
    schedules_apply()
    task = PeriodicTask.objects.get(name=TRADER_CYCLE_SCHEDULE)
    assert (task.task, task.interval.every) == ("trader.run_cycle", 300)
    config_update(changes={"scan_interval_minutes": 15}, actor=operator)
    task.refresh_from_db()
    assert task.interval.every == 900 and task.interval.period == "seconds"


def test_the_scanners_suggested_leverage_follows_the_trader_config(operator):
    from ta.services.analysis import leverage_config_current

    config_update(changes={"max_leverage": 3, "leverage_rules": {"70+": 8, "default": 2}}, actor=operator)
    assert leverage_config_current() == ({"70+": 8, "default": 2}, 3)

"""setup_schedules: idempotent, visible in the admin, and it keeps an operator's edits."""

import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from config.schedules import SCHEDULES, ScheduleSpec, schedules_apply

pytestmark = pytest.mark.django_db

SPEC = ScheduleSpec(name="test: fetch", task="market.fetch_candles", every_s=30, description="test schedule")


def test_creates_then_leaves_unchanged():
    assert [o.action for o in schedules_apply(specs=[SPEC])] == ["created"]
    assert [o.action for o in schedules_apply(specs=[SPEC])] == ["unchanged"]
    task = PeriodicTask.objects.get(name=SPEC.name)
    assert (task.task, task.interval.every, task.interval.period) == ("market.fetch_candles", 30, "seconds")
    assert task.enabled


def test_operator_edits_in_the_admin_survive_a_restart_unless_reset():
    schedules_apply(specs=[SPEC])
    task = PeriodicTask.objects.get(name=SPEC.name)
    task.enabled = False
    task.interval.every = 45
    task.interval.save()
    task.save()
    schedules_apply(specs=[SPEC])
    task.refresh_from_db()
    assert (task.enabled, task.interval.every) == (False, 45)
    schedules_apply(specs=[SPEC], reset=True)
    task.refresh_from_db()
    assert (task.enabled, task.interval.every) == (True, 30)


def test_a_drifted_task_name_is_repaired():
    schedules_apply(specs=[SPEC])
    PeriodicTask.objects.filter(name=SPEC.name).update(task="market.old_name")
    assert [o.action for o in schedules_apply(specs=[SPEC])] == ["updated"]
    assert PeriodicTask.objects.get(name=SPEC.name).task == SPEC.task


def test_command_applies_every_declared_schedule_and_is_idempotent():
    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    call_command("setup_schedules", stdout=out)
    names = {spec.name for spec in SCHEDULES}
    assert set(PeriodicTask.objects.filter(name__in=names).values_list("name", flat=True)) == names
    assert PeriodicTask.objects.filter(name__in=names).count() == len(SCHEDULES)
    assert f"{len(SCHEDULES)} schedule(s): 0 created" in out.getvalue().splitlines()[-1]


def test_the_weekly_optimiser_proposal_is_a_disabled_monday_crontab_until_an_operator_enables_it():
    weekly = next(spec for spec in SCHEDULES if spec.task == "analysis.study_weekly")
    assert [o.action for o in schedules_apply(specs=[weekly])] == ["created"]
    task = PeriodicTask.objects.get(name=weekly.name)
    crontab = task.crontab
    assert task.enabled is False and task.interval is None
    assert (crontab.minute, crontab.hour, crontab.day_of_week, str(crontab.timezone)) == ("0", "3", "1", "UTC")
    assert [o.action for o in schedules_apply(specs=[weekly])] == ["unchanged"]
    task.enabled = True
    task.save()
    schedules_apply(specs=[weekly])
    task.refresh_from_db()
    assert task.enabled, "an operator's switch survives a restart"
    schedules_apply(specs=[weekly], reset=True)
    task.refresh_from_db()
    assert task.enabled is False and task.crontab is not None

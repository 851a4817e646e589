"""Keeping the cycle's beat schedule in step with ``scan_interval_minutes`` (no restart)."""

from __future__ import annotations

from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.schedules import SCHEDULES, TRADER_CYCLE_SCHEDULE, schedules_apply


def cycle_schedule_sync(*, minutes: int) -> PeriodicTask:
    """Set the cycle's periodic task to every ``minutes``; beat picks the change up by itself."""
    task = PeriodicTask.objects.filter(name=TRADER_CYCLE_SCHEDULE).first()
    if task is None:
        schedules_apply(specs=[spec for spec in SCHEDULES if spec.name == TRADER_CYCLE_SCHEDULE])
        task = PeriodicTask.objects.get(name=TRADER_CYCLE_SCHEDULE)
    interval, _ = IntervalSchedule.objects.get_or_create(every=minutes * 60, period=IntervalSchedule.SECONDS)
    if task.interval_id != interval.pk:
        task.interval = interval
        task.crontab = None
        task.save()  # django-celery-beat marks the schedule changed; beat reloads it
    return task

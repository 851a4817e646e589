"""Trader tasks: thin shells over the services. Each name's prefix is its queue (``trader``, or
``analysis`` for the backtest upkeep); ``trader.backtest_run`` is sent to ``analysis`` explicitly."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="trader.send_alert", time_limit=30, soft_time_limit=25, max_retries=3, default_retry_delay=10,
             bind=True)
def send_alert(self, text: str) -> bool:
    """Deliver one alert to Telegram; retried a few times when Telegram does not answer."""
    from trader.services.alerts import telegram_send

    delivered = telegram_send(text=text)
    if not delivered and self.request.retries < self.max_retries:
        raise self.retry()
    return delivered


@shared_task(name="trader.run_cycle", time_limit=540, soft_time_limit=480)
def run_cycle() -> dict:
    """One trading cycle (beat runs it every ``scan_interval_minutes``)."""
    from trader.cycle.run import cycle_run

    log = cycle_run()
    return {"cycle_id": log.pk, "outcome": log.outcome, "actions": len(log.actions), "errors": len(log.errors)}


@shared_task(name="trader.cycle_recover", time_limit=540, soft_time_limit=480)
def cycle_recover() -> dict | None:
    """A cycle now when a dead worker abandoned one (beat runs this every 15 s); None otherwise."""
    from trader.cycle.recovery import cycle_recover_if_abandoned

    log = cycle_recover_if_abandoned()
    return None if log is None else {"cycle_id": log.pk, "outcome": log.outcome}


@shared_task(name="trader.equity_snapshots", time_limit=60, soft_time_limit=50)
def equity_snapshots() -> int:
    """Keep each book's equity of the day (beat runs this hourly; the day's last run is its close)."""
    from trader.services.performance import equity_snapshots_take

    return equity_snapshots_take()


@shared_task(name="trader.paper_prices_refresh", time_limit=60, soft_time_limit=50)
def paper_prices_refresh() -> int:
    """Feed the latest prices to the paper exchange (dry-run), firing its TP/SL and limit orders."""
    from trader.services.control import paper_prices_refresh as refresh

    return refresh()


@shared_task(name="trader.paper_markets_refresh", time_limit=120, soft_time_limit=100)
def paper_markets_refresh() -> int:
    """Dry-run on Binance USD-M: cache its market rules (exchangeInfo) for the paper exchange."""
    from trader.services.control import paper_markets_refresh as refresh

    return refresh()


# Acknowledged on receipt: it runs longer than the broker's visibility timeout, so with
# acks-late it would be delivered again while running; a run whose worker died is marked
# failed by analysis.backtests_expire instead.
@shared_task(name="trader.backtest_run", time_limit=3_600, soft_time_limit=3_500, acks_late=False)
def backtest_run(run_id: int) -> dict:
    """Run the stored backtest ``run_id`` (progress saved on the run as it goes)."""
    from trader.backtest.service import backtest_run_execute

    run = backtest_run_execute(run_id=run_id)
    return {"run_id": run.pk, "status": run.status, "trades": run.metrics.get("trades")}


# As backtest_run: acknowledged on receipt; a study whose worker died is marked failed by
# analysis.backtests_expire. Hard limit: trader.services.study.STUDY_TASK_TIME_LIMIT_S (3 h).
@shared_task(name="trader.backtest_study", time_limit=10_800, soft_time_limit=10_500, acks_late=False)
def backtest_study(study_id: int) -> dict:
    """Run the stored optimiser study ``study_id`` (progress saved on the study as it goes)."""
    from trader.services.study import study_run_execute

    study = study_run_execute(study_id=study_id)
    return {"study_id": study.pk, "status": study.status, "recommended": study.recommended}


# On the analysis queue, where the runs themselves go (the name's prefix routes it).
@shared_task(name="analysis.backtests_expire", time_limit=60, soft_time_limit=50)
def backtests_expire() -> dict[str, list[int]]:
    """Mark failed the backtest runs and optimiser studies whose worker was lost (see
    trader.services.backtest and trader.services.study); their ids."""
    from trader.services.backtest import backtests_expire as runs_expire
    from trader.services.study import studies_expire

    return {"runs": runs_expire(), "studies": studies_expire()}


@shared_task(name="analysis.study_weekly", time_limit=120, soft_time_limit=100)
def study_weekly(**options: object) -> int | None:
    """Start the weekly optimiser proposal (beat, disabled by default); it proposes, never applies.
    ``options``: days, folds, trials, symbols (the schedule's kwargs). The queued study's id, or None."""
    from trader.services.study import study_propose_weekly

    study = study_propose_weekly(**options)
    return None if study is None else study.pk

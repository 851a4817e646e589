"""Writes on paper accounts that are not exchange calls (the admin's reset)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from coinex.models import PaperAccount
from coinex.paper.exchange import PaperConfig
from coinex.simulator.state import SimState, state_to_json
from config.logging import Category

logger = logging.getLogger(__name__)


@transaction.atomic
def paper_account_reset(*, name: str = "default", starting_balance: Decimal | None = None) -> PaperAccount:
    """Wipe positions and orders of paper account ``name`` and give it ``starting_balance`` USDT
    (the account's own starting balance when None; the configured default for a new account)."""
    account = PaperAccount.objects.select_for_update().filter(name=name).first()
    if account is None:
        account = PaperAccount(name=name, starting_balance=PaperConfig.from_settings().starting_balance)
    if starting_balance is not None:
        if starting_balance <= 0:
            raise ValueError("the starting balance must be positive")
        account.starting_balance = starting_balance
    account.state = state_to_json(SimState(wallet=Decimal(account.starting_balance)))
    account.reset_at = timezone.now()
    account.save()
    logger.info("paper account %s reset to %s USDT", name, account.starting_balance,
                extra={"category": Category.TRADE})
    return account

"""The few exceptions an exchange caller has to handle, named for what the caller must do.

Every implementation of :class:`coinex.exchange.Exchange` (live client, paper exchange)
translates its own failures into these once, at its boundary (STYLE.md rule 4):

- :class:`ExchangeTemporaryError`: nothing happened, or we cannot know yet; retry later.
- :class:`OrderRejected`: the exchange refused this request; record it and skip.
- :class:`ExchangeAuthError`: the credentials are wrong or revoked; stop trading.
"""

from __future__ import annotations


class ExchangeError(Exception):
    """Base of every exchange error; ``code`` is the exchange's code when there is one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"{self.message} (code {self.code})" if self.code is not None else self.message


class ExchangeTemporaryError(ExchangeError):
    """Busy, rate-limited, timed out, gateway error or settlement window: retry later."""


class OrderRejected(ExchangeError):
    """The exchange refused the request (balance, minimum amount, price, bad parameter)."""


class ExchangeAuthError(ExchangeError):
    """Credentials missing, wrong, expired or not allowed: trading must stop."""


class OrderNotFound(ExchangeError):
    """No order with that id or client id exists (lookups answer ``None`` instead)."""


class VenueUnavailable(ExchangeError):
    """No exchange adapter is installed for the chosen venue: nothing can be traded there; do not retry."""

"""The paper exchange: :class:`coinex.exchange.Exchange` on a simulated account in the database."""

from coinex.paper.exchange import PaperConfig, PaperExchange, PriceProvider

__all__ = ["PaperConfig", "PaperExchange", "PriceProvider"]

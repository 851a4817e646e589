"""Money in USDT, CHF and EUR (seed tradefinder section 9): reference rates from a provider behind one interface."""

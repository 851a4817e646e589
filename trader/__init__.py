"""The trading bot: runtime config, status and locks, the cycle, risk rules, records, REST API."""

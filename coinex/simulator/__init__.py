"""A simulated one-way futures account: the shared engine of the paper exchange and the
loopback CoinEx server.

Pure Python and ``Decimal``; no Django, no I/O. The paper exchange persists its state in
the database; the sandbox keeps it in memory. Both raise the errors of
:mod:`coinex.errors` with CoinEx's codes, so the sandbox can answer with the same codes.
"""

"""Trader services (writes) and the actor that every audited write names."""

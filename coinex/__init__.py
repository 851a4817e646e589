"""Exchange access: the Exchange protocol, the CoinEx v2 futures client, the paper exchange."""

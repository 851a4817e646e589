from coinex.checks import coinex_settings_check


def ids() -> set[str]:
    return {error.id for error in coinex_settings_check(None)}


def test_defaults_pass(settings):
    settings.CREDENTIALS_ENCRYPTION_KEY = ""
    settings.COINEX_BASE_URL = "https://api.coinex.com/v2"
    settings.COINEX_ACCESS_ID = settings.COINEX_SECRET_KEY = ""
    assert ids() == set()


def test_a_malformed_fernet_key_fails(settings):
    settings.CREDENTIALS_ENCRYPTION_KEY = "not-a-key"
    assert "coinex.E001" in ids()


def test_a_base_url_without_v2_fails(settings):
    settings.COINEX_BASE_URL = "https://api.coinex.com"
    assert "coinex.E002" in ids()


def test_half_a_key_pair_fails(settings):
    settings.COINEX_ACCESS_ID, settings.COINEX_SECRET_KEY = "ONLYTHEID", ""
    assert "coinex.E003" in ids()


def test_a_binance_url_with_a_path_or_half_a_binance_key_pair_fails(settings):
    settings.BINANCE_FUTURES_BASE_URL = "https://fapi.binance.com/fapi/v1"
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = "ONLYTHEKEY", ""
    assert {"coinex.E004", "coinex.E005"} <= ids()
    settings.BINANCE_FUTURES_BASE_URL = "https://testnet.binancefuture.com"
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = "", ""
    assert not {"coinex.E004", "coinex.E005"} & ids()

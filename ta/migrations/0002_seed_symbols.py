"""Seed the 29 liquid USDT pairs of the scanner (issue 3), in display order.

Idempotent and non-destructive: an existing symbol (edited in the admin) is left as is.
"""

from django.db import migrations

BASES = (
    "BTC ETH SOL XRP BNB DOGE ADA AVAX LINK DOT LTC BCH TRX NEAR APT ARB OP SUI ATOM FIL INJ UNI AAVE ETC XLM HBAR "
    "PEPE WIF SEI"
).split()


def seed_symbols(apps, schema_editor):
    Symbol = apps.get_model("ta", "Symbol")
    for order, base in enumerate(BASES, start=1):
        Symbol.objects.get_or_create(symbol=f"{base}USDT", defaults={"display_order": order * 10, "enabled": True})


def unseed_symbols(apps, schema_editor):
    Symbol = apps.get_model("ta", "Symbol")
    Symbol.objects.filter(symbol__in=[f"{base}USDT" for base in BASES], candles__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("ta", "0001_market_data")]

    operations = [migrations.RunPython(seed_symbols, unseed_symbols)]

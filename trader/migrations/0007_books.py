"""Books (DESIGN.md "Venues and books"): every trade, order intent and cycle names its (mode, venue);
the kill switch's references move from the one status row to a ledger per book.

Existing rows: all were on CoinEx. An order intent takes its trade's mode, else the mode the
bot was last trading in. The status row's starting balance and equity peak become the
ledger of the book that was last traded. Trades left open in another mode than the one in
force (the state a mode switch could leave behind before books existed) are marked
unmanaged, so no cycle of the wrong book touches them.
"""

from django.db import migrations, models
from django.utils import timezone

TRADING_MODES = ("live", "dry-run")


def _last_trading_mode(apps):
    status = apps.get_model("trader", "TraderStatus").objects.filter(pk=1).first()
    if status is not None and status.mode in TRADING_MODES:
        return status.mode, status
    cycle = (apps.get_model("trader", "CycleLog").objects.filter(mode__in=TRADING_MODES, outcome__in=("ok", "failed"))
             .order_by("-started_at").first())
    return (cycle.mode if cycle else None), status


def books_from_existing_records(apps, schema_editor):
    Trade = apps.get_model("trader", "Trade")
    OrderIntent = apps.get_model("trader", "OrderIntent")
    BookLedger = apps.get_model("trader", "BookLedger")
    mode, status = _last_trading_mode(apps)
    for intent in OrderIntent.objects.select_related("trade"):
        intent.mode = intent.trade.mode if intent.trade_id else (mode or "dry-run")
        intent.save(update_fields=["mode"])
    if mode is None:
        return
    if status is not None and (status.starting_balance is not None or status.equity_peak is not None):
        BookLedger.objects.create(mode=mode, venue="coinex", starting_balance=status.starting_balance,
                                  equity_peak=status.equity_peak)
    if status is not None and status.mode in TRADING_MODES:
        Trade.objects.filter(closed_at__isnull=True).exclude(mode=status.mode).update(
            unmanaged_at=timezone.now(),
            unmanaged_reason=f"open in another book when books were introduced (the bot was in {status.mode})")



class Migration(migrations.Migration):

    dependencies = [
        ('trader', '0006_trade_liquidation_price'),
    ]

    operations = [
        migrations.CreateModel(
            name='BookLedger',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mode', models.CharField(max_length=10)),
                ('venue', models.CharField(choices=[('coinex', 'CoinEx'), ('binance', 'Binance USD-M')], max_length=10)),
                ('starting_balance', models.DecimalField(blank=True, decimal_places=8, max_digits=20, null=True)),
                ('equity_peak', models.DecimalField(blank=True, decimal_places=8, max_digits=20, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.AddField(
            model_name='cyclelog',
            name='venue',
            field=models.CharField(choices=[('coinex', 'CoinEx'), ('binance', 'Binance USD-M')], default='coinex', max_length=10),
        ),
        migrations.AddField(
            model_name='orderintent',
            name='mode',
            field=models.CharField(default='dry-run', help_text="The book's mode: live or dry-run.", max_length=10),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='orderintent',
            name='venue',
            field=models.CharField(choices=[('coinex', 'CoinEx'), ('binance', 'Binance USD-M')], default='coinex', max_length=10),
        ),
        migrations.AddField(
            model_name='trade',
            name='unmanaged_at',
            field=models.DateTimeField(blank=True, help_text='Left open and unmanaged by a book switch at this time (null: managed).', null=True),
        ),
        migrations.AddField(
            model_name='trade',
            name='unmanaged_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='trade',
            name='venue',
            field=models.CharField(choices=[('coinex', 'CoinEx'), ('binance', 'Binance USD-M')], default='coinex', help_text='The exchange it is open on.', max_length=10),
        ),
        migrations.AddField(
            model_name='traderconfig',
            name='venue',
            field=models.CharField(choices=[('coinex', 'CoinEx'), ('binance', 'Binance USD-M')], default='coinex', help_text='The exchange the bot trades on; with the mode it names the book the cycle manages. Changed only while paused.', max_length=10),
        ),
        migrations.RunPython(books_from_existing_records, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='trade',
            name='one_open_trade_per_symbol',
        ),
        migrations.AddConstraint(
            model_name='trade',
            constraint=models.UniqueConstraint(condition=models.Q(('closed_at__isnull', True)), fields=('mode', 'venue', 'symbol'), name='one_open_trade_per_book_symbol'),
        ),
        migrations.AddConstraint(
            model_name='bookledger',
            constraint=models.UniqueConstraint(fields=('mode', 'venue'), name='one_ledger_per_book'),
        ),
        migrations.RemoveField(
            model_name='traderstatus',
            name='equity_peak',
        ),
        migrations.RemoveField(
            model_name='traderstatus',
            name='starting_balance',
        ),
    ]

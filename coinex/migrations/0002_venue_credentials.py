# Stored API credentials per venue (CoinEx, Binance USD-M): one row per venue.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('coinex', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='storedcredentials',
            name='slot',
            field=models.PositiveSmallIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='storedcredentials',
            name='venue',
            field=models.CharField(default='coinex', editable=False, max_length=16, unique=True),
        ),
        migrations.AlterModelOptions(
            name='storedcredentials',
            options={'verbose_name': 'stored API credentials', 'verbose_name_plural': 'stored API credentials'},
        ),
    ]

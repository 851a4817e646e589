from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("trader", "0008_cycle_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="traderstatus",
            name="venue_status",
            field=models.JSONField(blank=True, default=dict,
                                   help_text="The live venue's status when not open (shown in the header)."),
        ),
    ]

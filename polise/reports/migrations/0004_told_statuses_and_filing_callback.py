from django.db import migrations

TOLD = ["open", "in_progress", "resolved", "duplicate"]


def forward(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Write = apps.get_model("forge", "Write")
    # Reporters were told each of these when it happened: the new notification record starts
    # from there, so nobody is mailed again.
    for status in TOLD:
        Report.objects.filter(status=status).update(notified_status=status)
    # Outbox callbacks are registered by name now, no longer stored as dotted paths.
    Write.objects.filter(on_outcome="polise.reports.services.report_filing_outcome").update(
        on_outcome="reports.filing"
    )


def backward(apps, schema_editor):
    Write = apps.get_model("forge", "Write")
    Write.objects.filter(on_outcome="reports.filing").update(
        on_outcome="polise.reports.services.report_filing_outcome"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_status_changes"),
        ("forge", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, backward)]

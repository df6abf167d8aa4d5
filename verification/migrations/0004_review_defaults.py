from decimal import Decimal

from django.db import migrations

# Working hours to decide, by review path (every channel); administrators change them.
SLA_DEFAULTS = {"fast_track": "4", "standard": "24", "enhanced": "48"}


def forwards(apps, schema_editor):
    Case = apps.get_model("verification", "Case")
    SlaTarget = apps.get_model("verification", "SlaTarget")
    FastTrackPolicy = apps.get_model("verification", "FastTrackPolicy")
    for case in Case.objects.select_related("customer").iterator():
        case.channel = case.customer.channel
        case.customer_kind = case.customer.kind
        case.store_id = case.customer.store_id
        case.save(update_fields=["channel", "customer_kind", "store"])
    for route, hours in SLA_DEFAULTS.items():
        SlaTarget.objects.get_or_create(
            route=route,
            channel="",
            defaults={"working_hours": Decimal(hours), "warn_before_hours": Decimal("1")},
        )
    if not FastTrackPolicy.objects.exists():
        FastTrackPolicy.objects.create(version=1)


class Migration(migrations.Migration):
    dependencies = [("verification", "0003_review"), ("customers", "0003_review")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""The single chain-head row that every append locks (services.audit_record)."""

from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditChainHead.objects.using(schema_editor.connection.alias).get_or_create(
        pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
    )


def remove_head(apps, schema_editor):
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    AuditChainHead.objects.using(schema_editor.connection.alias).filter(pk=1).delete()


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_head, remove_head)]

from django.db import migrations

LEVELS = ("low", "medium", "high")
KINDS = ("individual", "enterprise")
CHANNELS = ("web", "api", "store")


def defaults(risk_level: str, customer_kind: str, channel: str) -> dict:
    """OCR for every case with an identity image (it only runs when there is one); face
    match for high-risk individuals online, biometrics in store for high-risk walk-ins,
    background checks for enterprises and high-risk individuals."""
    high = risk_level == "high"
    individual = customer_kind == "individual"
    return {
        "document_reading": True,
        "face_match": high and individual and channel != "store",
        "in_person_biometric": high and individual and channel == "store",
        "background": not individual or high,
    }


def forwards(apps, schema_editor):
    CheckRequirement = apps.get_model("verification", "CheckRequirement")
    for risk_level in LEVELS:
        for customer_kind in KINDS:
            for channel in CHANNELS:
                CheckRequirement.objects.get_or_create(
                    risk_level=risk_level,
                    customer_kind=customer_kind,
                    channel=channel,
                    defaults=defaults(risk_level, customer_kind, channel),
                )


class Migration(migrations.Migration):
    dependencies = [("verification", "0007_checks")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

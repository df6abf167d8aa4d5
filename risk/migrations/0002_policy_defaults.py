"""Scoring policy version 1: the defaults of the first release.

The rules are copied here rather than imported, so this migration keeps creating the same
version 1 whatever later code calls the defaults. The jurisdictions are the FATF lists of
June 2025 (call for action, and increased monitoring).
"""

from django.db import migrations

RULES = {
    "points": {
        "customer_type": {"individual": 0, "enterprise": 30},
        "channel": {"store": 0, "web": 10, "api": 10},
        "high_risk_jurisdiction": 60,
        "age": 10,
        "duplicate_identity_attempts": 30,
        "ownership_incomplete": 20,
        "identity_inconsistent": 40,
        "document_check_failed": 40,
    },
    "thresholds": {"medium": 30, "high": 60},
    "high_risk_jurisdictions": [
        "KP",
        "IR",
        "MM",
        "DZ",
        "AO",
        "BO",
        "BG",
        "BF",
        "CM",
        "CI",
        "CD",
        "HT",
        "KE",
        "LA",
        "LB",
        "MC",
        "MZ",
        "NA",
        "NP",
        "NG",
        "ZA",
        "SS",
        "SY",
        "VE",
        "VN",
        "YE",
        "VG",
    ],
    "age_bands": {"young_below": 21, "elderly_from": 80},
    "recheck_months": {"low": 36, "medium": 24, "high": 12},
}


def create_policy(apps, schema_editor):
    RiskPolicy = apps.get_model("risk", "RiskPolicy")
    if not RiskPolicy.objects.exists():
        RiskPolicy.objects.create(version=1, rules=RULES)


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]

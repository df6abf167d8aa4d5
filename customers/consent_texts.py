"""The consent wording customers agree to. A changed text gets a new version; old versions
stay here so what each customer agreed to can always be shown again."""

from django.utils.translation import gettext_lazy as _

from .models import ConsentPurpose

CURRENT_VERSION = {
    ConsentPurpose.IDENTITY_PROCESSING: "2026-11",
    ConsentPurpose.BIOMETRICS: "2026-11",
}

TEXTS = {
    (ConsentPurpose.IDENTITY_PROCESSING, "2026-11"): _(
        "I agree that my identity information and documents are processed to verify my "
        "identity (customer identification, KYC), kept encrypted for as long as the law "
        "requires, and shown only to the staff who check them. I can ask to see or correct "
        "them at any time."
    ),
    (ConsentPurpose.BIOMETRICS, "2026-11"): _(
        "I agree that my photo is compared with the portrait on my identity document by an "
        "automatic face comparison. The face data is discarded after the check; only the "
        "result is kept. I can withdraw this consent at any time."
    ),
}


def consent_text(purpose: str, version: str | None = None) -> str:
    return TEXTS[(purpose, version or CURRENT_VERSION[purpose])]

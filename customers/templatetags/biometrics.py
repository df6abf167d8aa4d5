"""The face match section of the status page and the store's link to the in-store
check: what the pages' own views do not know about, looked up where it is shown."""

from django import template

from customers.forms.biometrics import BiometricConsentForm, SelfieForm
from verification.checks import biometrics

register = template.Library()


@register.simple_tag
def biometric_section(case) -> dict | None:
    """``{% biometric_section case as section %}``: the panel and its two forms, or None
    when the case needs no face match."""
    panel = biometrics.biometric_panel(case=case)
    if panel is None:
        return None
    return {
        "panel": panel,
        "consent_form": BiometricConsentForm(auto_id="biometric_%s"),
        "selfie_form": SelfieForm(auto_id="selfie_%s"),
    }


@register.simple_tag
def in_store_check_waiting(case):
    """``{% in_store_check_waiting case as waiting %}``: the check staff can record."""
    return biometrics.in_store_check_waiting(case=case)

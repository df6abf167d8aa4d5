"""Customers and what they declared; each model lives in its own module."""

from .confirmation import (
    Confirmation,
    ConfirmationDelivery,
    ConfirmationReason,
    ConfirmationState,
)
from .consent import Consent, ConsentPurpose
from .customer import Customer, CustomerNumberSequence
from .duplicate import DuplicateIdentityAttempt
from .parties import BeneficialOwner, Enterprise, Individual, LegalRepresentative

__all__ = [
    "BeneficialOwner",
    "Confirmation",
    "ConfirmationDelivery",
    "ConfirmationReason",
    "ConfirmationState",
    "Consent",
    "ConsentPurpose",
    "Customer",
    "CustomerNumberSequence",
    "DuplicateIdentityAttempt",
    "Enterprise",
    "Individual",
    "LegalRepresentative",
]

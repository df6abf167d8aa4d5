"""People and enterprises as the customer declared them. Personal values are encrypted."""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.enums import DocumentType, Gender
from kyc_portal.crypto.fields import (
    BlindIndexField,
    EncryptedCharField,
    EncryptedDateField,
    EncryptedEmailField,
)


class AddressFields(models.Model):
    """Province, city and district stay readable for statistics; the street line is personal."""

    province = models.CharField(_("province"), max_length=30)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30, blank=True)
    street = EncryptedCharField(_("street address"), max_length=200)

    class Meta:
        abstract = True

    @property
    def full_address(self) -> str:
        """The address as one line, Chinese order (decrypts the street: mask it to show it)."""
        parts = (self.province, self.city, self.district, self.street)
        return "".join(part for part in parts if part)


class IdentityFields(models.Model):
    """A person identified by a document: the customer, a legal representative, an owner."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = EncryptedCharField(_("full name"), max_length=100)
    nationality = models.CharField(_("nationality"), max_length=2, default="CN")
    document_type = models.CharField(
        _("identity document"), max_length=30, choices=DocumentType.choices
    )
    document_number = EncryptedCharField(_("document number"), max_length=30)
    document_number_index = BlindIndexField(source="document_number", kind="id_number")

    class Meta:
        abstract = True


class Individual(IdentityFields, AddressFields):
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="individual"
    )
    birth_date = EncryptedDateField(_("date of birth"))
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    mobile = EncryptedCharField(_("mobile phone"), max_length=20)
    mobile_index = BlindIndexField(source="mobile", kind="phone")
    email = EncryptedEmailField(_("e-mail"), max_length=254, blank=True)
    email_index = BlindIndexField(source="email", kind="email")
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")
        constraints = [
            # One identity, one customer — also when two submissions race each other.
            models.UniqueConstraint(
                fields=["document_number_index"], name="individual_unique_identity"
            )
        ]

    def __str__(self) -> str:
        return str(_("individual customer"))


class Enterprise(AddressFields):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="enterprise"
    )
    legal_name = models.CharField(_("legal name"), max_length=200)
    credit_code = EncryptedCharField(_("unified social credit code"), max_length=18)
    credit_code_index = BlindIndexField(source="credit_code", kind="id_number")
    business_scope = models.TextField(_("business scope"), max_length=2000, blank=True)
    contact_name = EncryptedCharField(_("authorised contact"), max_length=100)
    contact_mobile = EncryptedCharField(_("contact's mobile phone"), max_length=20)
    contact_mobile_index = BlindIndexField(source="contact_mobile", kind="phone")
    contact_email = EncryptedEmailField(_("contact's e-mail"), max_length=254, blank=True)
    contact_email_index = BlindIndexField(source="contact_email", kind="email")

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.UniqueConstraint(fields=["credit_code_index"], name="enterprise_unique_code")
        ]

    def __str__(self) -> str:
        return self.legal_name


class LegalRepresentative(IdentityFields):
    enterprise = models.OneToOneField(
        Enterprise, on_delete=models.CASCADE, related_name="legal_representative"
    )

    class Meta:
        verbose_name = _("legal representative")
        verbose_name_plural = _("legal representatives")

    def __str__(self) -> str:
        return str(_("legal representative"))


class BeneficialOwner(IdentityFields):
    """A person holding 25% or more of the enterprise."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="beneficial_owners"
    )
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("beneficial owner")
        verbose_name_plural = _("beneficial owners")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(share__gte=0) & models.Q(share__lte=100),
                name="beneficial_owner_share_range",
            )
        ]

    def __str__(self) -> str:
        return str(_("beneficial owner (%(share)s%%)") % {"share": self.share})

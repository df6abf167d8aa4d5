"""Shapes of the REST API for the mobile app: what a request may carry, what comes back.

Serializers only check types and lengths. What the values mean (check digits, birth dates,
phone countries, duplicates) is decided by customers.validation and customers.services,
the same code the web form and the store use, so every channel gives the same answer.
Declared data always comes back masked.
"""

from collections.abc import Mapping

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from kyc_portal.crypto.masking import (
    mask_address,
    mask_date,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)
from verification.enums import CaseState

from .enums import CustomerKind, DocumentType, Gender
from .models import ConfirmationDelivery, ConfirmationState
from .selectors import case_next_step
from .validation import DOCUMENT_NUMBER_MAX_LENGTH, MAX_BENEFICIAL_OWNERS, PHONE_MAX_LENGTH

_UNKNOWN_FIELD_NAME_LENGTH = 100
USERNAME_TAKEN = _("This login name is taken: choose another one.")


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know, so a misspelt field is an error, not lost data."""

    def to_internal_value(self, data):
        unknown = {}
        if isinstance(data, Mapping):
            unknown = {
                str(key)[:_UNKNOWN_FIELD_NAME_LENGTH]: [
                    ErrorDetail(
                        str(_("This field is not part of the request: check its name.")),
                        code="unknown_field",
                    )
                ]
                for key in data
                if key not in self.fields
            }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def _text(max_length: int, **kwargs) -> serializers.CharField:
    """A free-text field the domain validation checks: blank is allowed here on purpose,
    so the customer gets the specific "required" message of customers.validation."""
    return serializers.CharField(max_length=max_length, required=False, allow_blank=True, **kwargs)


def _region() -> serializers.CharField:
    return serializers.CharField(
        min_length=2,
        max_length=2,
        required=False,
        help_text=_("ISO country code of the phone number when it has no +country prefix."),
    )


class LoginFieldsMixin(serializers.Serializer):
    username = serializers.CharField(
        max_length=150, help_text=_("Login name the customer chooses.")
    )
    password = serializers.CharField(
        max_length=128,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text=_("At least 10 characters, not only digits, not a common password."),
    )
    consent = serializers.BooleanField(
        help_text=_(
            "The customer agrees that their identity data is processed for identification "
            "(KYC). Must be true."
        )
    )

    def validate_username(self, value: str) -> str:
        user_model = get_user_model()
        for validator in user_model._meta.get_field("username").validators:
            try:
                validator(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError(
                    str(_("Use letters, digits and @ . + - _ only.")), code="username_invalid"
                ) from error
        if user_model.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(str(USERNAME_TAKEN), code="username_taken")
        return value

    def validate(self, attrs):
        user_model = get_user_model()
        try:
            password_validation.validate_password(
                attrs["password"], user=user_model(username=attrs["username"])
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    "password": [
                        ErrorDetail(" ".join(item.messages), code=item.code)
                        for item in error.error_list
                    ]
                }
            ) from None
        return attrs


class PersonSerializer(StrictSerializer):
    """A beneficial owner: a person identified by a document, with their share."""

    full_name = _text(100, help_text=_("As written on the identity document."))
    nationality = serializers.CharField(min_length=2, max_length=2, required=False)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    document_number = _text(DOCUMENT_NUMBER_MAX_LENGTH)
    birth_date = serializers.DateField(required=False)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    share = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("Percentage held, 25 to 100.")
    )


class IndividualFieldsSerializer(StrictSerializer):
    """What an individual declares; every field here can be corrected before confirmation."""

    full_name = _text(100, help_text=_("As written on the identity document, up to 100."))
    nationality = serializers.CharField(
        min_length=2, max_length=2, required=False, help_text=_("ISO country code; default CN.")
    )
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    document_number = _text(
        DOCUMENT_NUMBER_MAX_LENGTH,
        help_text=_("Full-width digits, spaces and a lower-case x are accepted and normalised."),
    )
    birth_date = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices)
    mobile = _text(PHONE_MAX_LENGTH, help_text=_("Mobile number; +country for foreign numbers."))
    mobile_region = _region()
    email = _text(254)
    province = _text(30)
    city = _text(30)
    district = _text(30)
    street = _text(200)
    occupation = _text(100)


class IndividualRegistrationSerializer(LoginFieldsMixin, IndividualFieldsSerializer):
    pass


class EnterpriseFieldsSerializer(StrictSerializer):
    legal_name = _text(200, help_text=_("Exactly as on the business licence."))
    credit_code = _text(DOCUMENT_NUMBER_MAX_LENGTH, help_text=_("Unified social credit code."))
    business_scope = _text(2000)
    province = _text(30)
    city = _text(30)
    district = _text(30)
    street = _text(200)
    contact_name = _text(100, help_text=_("The person we may contact about the application."))
    contact_mobile = _text(PHONE_MAX_LENGTH)
    contact_mobile_region = _region()
    contact_email = _text(254)
    representative_full_name = _text(100)
    representative_nationality = serializers.CharField(min_length=2, max_length=2, required=False)
    representative_document_type = serializers.ChoiceField(
        choices=DocumentType.choices, required=False
    )
    representative_document_number = _text(DOCUMENT_NUMBER_MAX_LENGTH)
    representative_birth_date = serializers.DateField(
        required=False, help_text=_("Checked against the ID number when given.")
    )
    representative_gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    beneficial_owners = PersonSerializer(
        many=True,
        required=False,
        max_length=MAX_BENEFICIAL_OWNERS,
        help_text=_("Everyone holding 25 percent or more of the enterprise."),
    )


class EnterpriseRegistrationSerializer(LoginFieldsMixin, EnterpriseFieldsSerializer):
    pass


class IndividualCorrectionSerializer(IndividualFieldsSerializer):
    """PATCH: only the fields being corrected; the rest stays as declared."""


class EnterpriseCorrectionSerializer(EnterpriseFieldsSerializer):
    pass


class ConfirmSerializer(StrictSerializer):
    code = serializers.RegexField(
        r"^\d{6}$",
        max_length=6,
        error_messages={"invalid": _("The code has 6 digits.")},
        help_text=_("The 6-digit code from the confirmation message."),
    )


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


# --- responses ------------------------------------------------------------------------------


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("Send it as the header `Authorization: Token <token>`.")
    )


class CaseStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.ChoiceField(choices=CaseState.choices)
    state_label = serializers.CharField(source="get_state_display")
    next_step = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_next_step(self, case) -> str:
        return case_next_step(case)


class RegistrationResultSerializer(serializers.Serializer):
    customer_id = serializers.UUIDField()
    customer_type = serializers.ChoiceField(choices=CustomerKind.choices)
    case = CaseStatusSerializer()
    token = serializers.CharField(help_text=_("API token of the new login."))


class MaskedField(serializers.CharField):
    """A personal value, shown through one of the masking helpers (read only)."""

    def __init__(self, mask, **kwargs) -> None:
        self.mask = mask
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return self.mask(value)


class MaskedIdentitySerializer(serializers.Serializer):
    full_name = MaskedField(mask_name)
    nationality = serializers.CharField()
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    document_number = MaskedField(mask_id_number)


class MaskedAddressSerializer(serializers.Serializer):
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    street = MaskedField(mask_address)


class MaskedIndividualSerializer(MaskedIdentitySerializer, MaskedAddressSerializer):
    birth_date = MaskedField(mask_date)
    gender = serializers.ChoiceField(choices=Gender.choices)
    mobile = MaskedField(mask_phone)
    email = MaskedField(mask_email)
    occupation = serializers.CharField()


class MaskedBeneficialOwnerSerializer(MaskedIdentitySerializer):
    share = serializers.DecimalField(max_digits=5, decimal_places=2)


class MaskedEnterpriseSerializer(MaskedAddressSerializer):
    legal_name = serializers.CharField()
    credit_code = MaskedField(mask_id_number)
    business_scope = serializers.CharField()
    contact_name = MaskedField(mask_name)
    contact_mobile = MaskedField(mask_phone)
    contact_email = MaskedField(mask_email)
    legal_representative = MaskedIdentitySerializer()
    beneficial_owners = serializers.SerializerMethodField()

    @extend_schema_field(MaskedBeneficialOwnerSerializer(many=True))
    def get_beneficial_owners(self, enterprise):
        # The selector has loaded them already (largest share first); reuse that list.
        owners = self.context.get("beneficial_owners")
        if owners is None:
            owners = enterprise.beneficial_owners.order_by("-share")
        return MaskedBeneficialOwnerSerializer(owners, many=True).data


class SentToSerializer(serializers.Serializer):
    email = serializers.CharField(help_text=_("Masked; empty when none was given."))
    mobile = serializers.CharField(help_text=_("Masked."))


class ConfirmationStatusSerializer(serializers.Serializer):
    """The latest confirmation message: whether it reached the customer, and until when
    its code works."""

    delivery = serializers.ChoiceField(choices=ConfirmationDelivery.choices)
    delivery_label = serializers.CharField()
    state = serializers.ChoiceField(choices=ConfirmationState.choices)
    sent_by_email = serializers.BooleanField()
    sent_by_sms = serializers.BooleanField()
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    messages_sent = serializers.IntegerField()
    sent_to = SentToSerializer()


class ApplicationSerializer(serializers.Serializer):
    """The customer's own application: status and what they declared, masked.

    Renders a customers.selectors.ApplicationStatus with ``confirmation`` added.
    """

    customer_id = serializers.UUIDField(source="customer.id")
    customer_type = serializers.ChoiceField(source="customer.kind", choices=CustomerKind.choices)
    customer_type_label = serializers.CharField(source="customer.get_kind_display")
    customer_number = serializers.CharField(source="customer.customer_number", allow_null=True)
    created_at = serializers.DateTimeField(source="customer.created_at")
    case = CaseStatusSerializer(allow_null=True)
    individual = serializers.SerializerMethodField()
    enterprise = serializers.SerializerMethodField()
    confirmation = ConfirmationStatusSerializer(
        allow_null=True, help_text=_("The latest confirmation message; null before any.")
    )

    @extend_schema_field(MaskedIndividualSerializer(allow_null=True))
    def get_individual(self, application):
        if application.customer.kind != CustomerKind.INDIVIDUAL:
            return None
        return MaskedIndividualSerializer(application.customer.individual).data

    @extend_schema_field(MaskedEnterpriseSerializer(allow_null=True))
    def get_enterprise(self, application):
        if application.customer.kind != CustomerKind.ENTERPRISE:
            return None
        return MaskedEnterpriseSerializer(
            application.customer.enterprise,
            context={"beneficial_owners": application.beneficial_owners},
        ).data


# --- the one error shape (kyc_portal.core.api.exception_handler) ----------------------------


class ErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable code; see docs/api.md."))
    message = serializers.CharField(help_text=_("In the request's language."))


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable code of the error as a whole."))
    message = serializers.CharField()
    fields = serializers.DictField(
        child=ErrorItemSerializer(many=True),
        help_text=_(
            "Errors per field; nested fields are dotted: beneficial_owners.0.share. "
            "Empty when the error is not about a field."
        ),
    )
    retry_after_seconds = serializers.IntegerField(
        required=False, help_text=_("Only on 429: seconds to wait before trying again.")
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()

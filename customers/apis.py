"""REST API for the mobile app: register, log in, follow and correct one's own application.

Views stay thin: they check the shape of a request (serializers.py), call the services
every channel shares, and render the result. Errors leave through
kyc_portal.core.api.exception_handler in one JSON shape. A customer only ever reaches
the application linked to their own login: nothing here takes a customer id.
"""

import dataclasses

from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kyc_portal.accounts.roles import Role, user_has_role
from kyc_portal.core.errors import DomainError
from kyc_portal.core.net import client_ip
from verification.models import Case

from . import services
from .confirmation import (
    confirmation_confirm,
    confirmation_destinations,
    confirmation_resend,
    confirmation_status_for,
)
from .enums import Channel, CustomerKind
from .models import Customer
from .selectors import ApplicationStatus, customer_application_status
from .serializers import (
    USERNAME_TAKEN,
    ApplicationSerializer,
    ConfirmSerializer,
    EnterpriseCorrectionSerializer,
    EnterpriseRegistrationSerializer,
    ErrorSerializer,
    IndividualCorrectionSerializer,
    IndividualRegistrationSerializer,
    RegistrationResultSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)

# --- access -------------------------------------------------------------------------------


class RegistrationThrottle(AnonRateThrottle):
    """Anonymous registrations per client address; API_REGISTRATION_RATE sets the rate."""

    scope = "registration"

    def get_rate(self):
        # Read at request time, not import time, so a changed setting takes effect.
        self.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        return super().get_rate()

    def get_ident(self, request):
        # The address our own proxies vouch for; X-Forwarded-For alone is the client's to forge.
        return client_ip(request) or super().get_ident(request)


class IsCustomer(BasePermission):
    message = _("Only customers have an application: this login belongs to a staff member.")
    code = "customer_only"

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.CUSTOMER)


class CustomerOnlyError(exceptions.PermissionDenied):
    default_detail = IsCustomer.message
    default_code = IsCustomer.code


class NoApplicationError(exceptions.NotFound):
    default_detail = _("There is no application linked to this login.")
    default_code = "no_application"


class ApiView(APIView):
    """JSON in, JSON out; token first, so an anonymous request gets 401, not 403."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    parser_classes = [JSONParser]


@dataclasses.dataclass(frozen=True)
class ApplicationView(ApplicationStatus):
    """What GET /me/application shows: the selector's status plus the confirmation's."""

    confirmation: dict | None = None


class CustomerApiView(ApiView):
    permission_classes = [IsAuthenticated, IsCustomer]

    def own_status(self) -> ApplicationStatus:
        """The application of the customer whose login made the request, or 404."""
        application = customer_application_status(user=self.request.user)
        if application is None:
            raise NoApplicationError()
        return application

    def own_application(self) -> ApplicationView:
        """``own_status`` with the state of the latest confirmation message."""
        application = self.own_status()
        confirmation = None
        if application.case is not None:
            confirmation = confirmation_status_for(application.case)
        if confirmation is not None:
            sent_to = confirmation_destinations(application.customer)
            confirmation = {**dataclasses.asdict(confirmation), "sent_to": sent_to}
        return ApplicationView(**vars(application), confirmation=confirmation)

    def own_case(self) -> Case:
        case = self.own_status().case
        if case is None:
            raise NoApplicationError()
        return case

    def application_response(self, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(ApplicationSerializer(self.own_application()).data, status=status_code)


# --- documentation ---------------------------------------------------------------------------


def error_response(description: str, *examples: OpenApiExample) -> OpenApiResponse:
    return OpenApiResponse(
        response=ErrorSerializer, description=description, examples=list(examples)
    )


def error_example(name: str, code: str, message: str, fields: dict | None = None, **kwargs):
    return OpenApiExample(
        name,
        value={"error": {"code": code, "message": message, "fields": fields or {}}},
        response_only=True,
        **kwargs,
    )


# An individual's details as the API shows them: masked (also used by the review API).
MASKED_INDIVIDUAL_EXAMPLE = {
    "full_name": "王**",
    "nationality": "CN",
    "document_type": "resident_id",
    "document_number": "110105********002X",
    "birth_date": "1949-**-**",
    "gender": "female",
    "mobile": "139****5678",
    "email": "x***@example.com",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "street": "****",
    "occupation": "工程师",
}


VALIDATION_EXAMPLE = error_example(
    "Validation error",
    "validation_error",
    "Some fields need your attention.",
    {
        "document_number": [
            {
                "code": "id_checksum",
                "message": "The check digit of this ID number is wrong: please check every digit.",
            }
        ],
        "beneficial_owners.0.share": [
            {
                "code": "share_range",
                "message": "A beneficial owner holds between 25% and 100% of the enterprise.",
            }
        ],
    },
    status_codes=[400],
)
DUPLICATE_EXAMPLE = error_example(
    "Identity already registered",
    "duplicate_identity",
    "This identity number is already registered with us. If it is yours, log in to your "
    "account or ask a store for help; you cannot register it twice.",
    {"document_number": [{"code": "duplicate_identity", "message": "…"}]},
    status_codes=[409],
)
UNAUTHENTICATED = error_response(
    "No valid token or session.",
    error_example(
        "Not logged in",
        "not_authenticated",
        "Authentication credentials were not provided.",
        status_codes=[401],
    ),
)
STAFF_FORBIDDEN = error_response(
    "The login is a staff account, not a customer.",
    error_example(
        "Staff login",
        "customer_only",
        str(IsCustomer.message),
        status_codes=[403],
    ),
)
NO_APPLICATION = error_response(
    "The customer login has no application.",
    error_example(
        "No application",
        "no_application",
        str(NoApplicationError.default_detail),
        status_codes=[404],
    ),
)
THROTTLED = error_response(
    "Too many requests from this address; `retry_after_seconds` says how long to wait.",
    OpenApiExample(
        "Throttled",
        value={
            "error": {
                "code": "throttled",
                "message": "Request was throttled. Expected available in 3599 seconds.",
                "fields": {},
                "retry_after_seconds": 3599,
            }
        },
        response_only=True,
        status_codes=[429],
    ),
)

_REGISTRATION_COMMON = {
    "consent": True,
    "username": "wang.xiaoming",
    "password": "a-long-and-private-passphrase",
}
INDIVIDUAL_EXAMPLE = OpenApiExample(
    "Individual",
    request_only=True,
    value={
        "full_name": "王小明",
        "nationality": "CN",
        "document_type": "resident_id",
        "document_number": "11010519491231002X",
        "birth_date": "1949-12-31",
        "gender": "female",
        "mobile": "13912345678",
        "email": "xiaoming@example.com",
        "province": "北京市",
        "city": "北京市",
        "district": "朝阳区",
        "street": "建国路 88 号 1201 室",
        "occupation": "工程师",
        **_REGISTRATION_COMMON,
    },
)
ENTERPRISE_EXAMPLE = OpenApiExample(
    "Enterprise",
    request_only=True,
    value={
        "legal_name": "上海示例物流有限公司",
        "credit_code": "91310115MA1K3YJ12G",
        "business_scope": "国内货物运输代理",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "世纪大道 100 号",
        "contact_name": "李四",
        "contact_mobile": "13712345678",
        "contact_email": "contact@example.com",
        "representative_full_name": "张三",
        "representative_document_type": "resident_id",
        "representative_document_number": "11010519491231002X",
        "beneficial_owners": [
            {
                "full_name": "张三",
                "document_type": "resident_id",
                "document_number": "11010519491231002X",
                "share": "60.00",
            }
        ],
        **_REGISTRATION_COMMON,
        "username": "shili.logistics",
    },
)
REGISTERED_EXAMPLE = OpenApiExample(
    "Registered",
    response_only=True,
    status_codes=[201],
    value={
        "customer_id": "5b0e8a51-5d0c-4a4e-9f57-2a8f3d1f0c11",
        "customer_type": "individual",
        "case": {
            "id": "0f7f6c2e-3f0b-4d5e-8f1a-9c2b7d6e5a41",
            "state": "awaiting_confirmation",
            "state_label": "Waiting for the customer's confirmation",
            "next_step": "Check the summary we sent you by e-mail or SMS, then confirm it "
            "with the 6-digit code. If something is wrong, correct it first.",
            "created_at": "2026-11-25T14:30:00+08:00",
            "submitted_at": "2026-11-25T14:30:00+08:00",
            "confirmed_at": None,
        },
        "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
    },
)
APPLICATION_EXAMPLE = OpenApiExample(
    "Individual application",
    response_only=True,
    value={
        "customer_id": "5b0e8a51-5d0c-4a4e-9f57-2a8f3d1f0c11",
        "customer_type": "individual",
        "customer_type_label": "Individual",
        "customer_number": None,
        "created_at": "2026-11-25T14:30:00+08:00",
        "case": REGISTERED_EXAMPLE.value["case"],
        "individual": MASKED_INDIVIDUAL_EXAMPLE,
        "enterprise": None,
    },
)

# --- registration ------------------------------------------------------------------------------


def _register_with_login(*, kind: str, serializer, request) -> tuple[Customer, Token]:
    """Create the customer's login and their application together, or neither."""
    data = dict(serializer.validated_data)
    new_login = services.NewLogin(username=data.pop("username"), password=data.pop("password"))
    consent_given = data.pop("consent")
    try:
        customer = services.customer_register(
            kind=kind,
            details=data,
            channel=Channel.API,
            consent_given=consent_given,
            new_login=new_login,
            language=translation.get_language() or "zh-hans",
            request=request,
        )
    except IntegrityError:  # the same login name was taken a moment ago
        raise exceptions.ValidationError(
            {"username": [exceptions.ErrorDetail(str(USERNAME_TAKEN), code="username_taken")]}
        ) from None
    return customer, Token.objects.create(user=customer.user)


class _RegistrationApi(ApiView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RegistrationThrottle]
    serializer_class = IndividualRegistrationSerializer
    kind = CustomerKind.INDIVIDUAL

    def post(self, request, *args, **kwargs):
        serializer = self.serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        customer, token = _register_with_login(
            kind=self.kind, serializer=serializer, request=request
        )
        result = {
            "customer_id": customer.pk,
            "customer_type": customer.kind,
            "case": customer.cases.order_by("-created_at").first(),
            "token": token.key,
        }
        return Response(RegistrationResultSerializer(result).data, status=status.HTTP_201_CREATED)


_REGISTRATION_RESPONSES = {
    400: error_response(
        "Invalid details, consent missing, a taken login name or a weak password.",
        VALIDATION_EXAMPLE,
        error_example(
            "Consent missing",
            "consent_required",
            "We can only process your application with your consent: tick the consent box.",
            {"consent": [{"code": "consent_required", "message": "…"}]},
            status_codes=[400],
        ),
    ),
    409: error_response("The identity is already registered.", DUPLICATE_EXAMPLE),
    415: error_response("The body is not JSON."),
    429: THROTTLED,
}


class IndividualRegistrationApi(_RegistrationApi):
    @extend_schema(
        operation_id="registration_individual",
        tags=["registration"],
        summary="Register an individual",
        description=(
            "Anonymous. Creates the customer's login (role customer) and their application in "
            "one transaction, then sends the confirmation message. Returns an API token."
        ),
        request=IndividualRegistrationSerializer,
        responses={201: RegistrationResultSerializer, **_REGISTRATION_RESPONSES},
        examples=[INDIVIDUAL_EXAMPLE, REGISTERED_EXAMPLE],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class EnterpriseRegistrationApi(_RegistrationApi):
    serializer_class = EnterpriseRegistrationSerializer
    kind = CustomerKind.ENTERPRISE

    @extend_schema(
        operation_id="registration_enterprise",
        tags=["registration"],
        summary="Register an enterprise",
        description=(
            "Anonymous. The enterprise, its legal representative and its beneficial owners "
            "(everyone holding 25% or more), with the login of the person registering it."
        ),
        request=EnterpriseRegistrationSerializer,
        responses={201: RegistrationResultSerializer, **_REGISTRATION_RESPONSES},
        examples=[ENTERPRISE_EXAMPLE, REGISTERED_EXAMPLE],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# --- the customer's own application ----------------------------------------------------------

_CUSTOMER_ERRORS = {401: UNAUTHENTICATED, 403: STAFF_FORBIDDEN, 404: NO_APPLICATION}


class ApplicationApi(CustomerApiView):
    @extend_schema(
        operation_id="application_read",
        tags=["application"],
        summary="Read my application",
        description="Status of the case and the declared data, masked.",
        responses={200: ApplicationSerializer, **_CUSTOMER_ERRORS},
        examples=[APPLICATION_EXAMPLE],
    )
    def get(self, request, *args, **kwargs):
        return self.application_response()

    @extend_schema(
        operation_id="application_correct",
        tags=["application"],
        summary="Correct my data before confirming it",
        description=(
            "Send only the fields to change (same names as at registration). Possible while "
            "the case waits for the customer's confirmation; a new confirmation message is "
            "sent afterwards."
        ),
        request=PolymorphicProxySerializer(
            component_name="ApplicationCorrection",
            serializers=[IndividualCorrectionSerializer, EnterpriseCorrectionSerializer],
            resource_type_field_name=None,
        ),
        responses={
            200: ApplicationSerializer,
            400: error_response("Invalid details.", VALIDATION_EXAMPLE),
            **_CUSTOMER_ERRORS,
            409: error_response(
                "The identity is already registered, or the case is past confirmation.",
                DUPLICATE_EXAMPLE,
                error_example(
                    "Not correctable",
                    "not_correctable",
                    "Your data can no longer be changed here.",
                    status_codes=[409],
                ),
            ),
        },
        examples=[
            OpenApiExample(
                "Correct the mobile number",
                request_only=True,
                value={"mobile": "13912345679"},
            )
        ],
    )
    def patch(self, request, *args, **kwargs):
        customer = self.own_status().customer
        serializer_class = (
            IndividualCorrectionSerializer
            if customer.kind == CustomerKind.INDIVIDUAL
            else EnterpriseCorrectionSerializer
        )
        serializer = serializer_class(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise exceptions.ValidationError(
                exceptions.ErrorDetail(
                    str(_("Send at least one field to correct.")), code="nothing_to_correct"
                )
            )
        services.customer_details_correct(
            customer=customer,
            details=dict(serializer.validated_data),
            actor=request.user,
            request=request,
        )
        return self.application_response()


class ConfirmApi(CustomerApiView):
    @extend_schema(
        operation_id="application_confirm",
        tags=["application"],
        summary="Confirm my data with the 6-digit code",
        request=ConfirmSerializer,
        responses={
            200: ApplicationSerializer,
            400: error_response(
                "A malformed or wrong code, or no message sent yet.",
                error_example(
                    "Malformed code",
                    "validation_error",
                    "Some fields need your attention.",
                    {"code": [{"code": "invalid", "message": "The code has 6 digits."}]},
                    status_codes=[400],
                ),
                error_example(
                    "Wrong code",
                    "code_wrong",
                    "This code is wrong. You can try 4 more times.",
                    {"code": [{"code": "code_wrong", "message": "…"}]},
                    status_codes=[400],
                ),
            ),
            **_CUSTOMER_ERRORS,
            409: error_response(
                "Already confirmed (`link_used`), replaced by a newer message "
                "(`link_superseded`), or the case does not wait for a confirmation "
                "(`not_awaiting_confirmation`)."
            ),
            410: error_response(
                "The code has expired: ask for a new message.",
                error_example(
                    "Expired",
                    "code_expired",
                    "This confirmation code has expired. Ask for a new message.",
                    status_codes=[410],
                ),
            ),
            429: error_response("The code was entered wrongly too often (`code_locked`)."),
        },
        examples=[OpenApiExample("Code", request_only=True, value={"code": "123456"})],
    )
    def post(self, request, *args, **kwargs):
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirmation_confirm(
            case=self.own_case(),
            code=serializer.validated_data["code"],
            actor=request.user,
            request=request,
        )
        return self.application_response()


class ResendConfirmationApi(CustomerApiView):
    @extend_schema(
        operation_id="application_resend_confirmation",
        tags=["application"],
        summary="Send the confirmation message again",
        request=None,
        responses={
            202: ApplicationSerializer,
            **_CUSTOMER_ERRORS,
            409: error_response("The case is not waiting for a confirmation."),
            429: error_response(
                "Asked too often: wait before asking again.",
                error_example(
                    "Too soon",
                    "resend_rate_limited",
                    "We have just sent the message: wait a few minutes before asking again.",
                    status_codes=[429],
                ),
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        confirmation_resend(case=self.own_case(), actor=request.user, request=request)
        return self.application_response(status_code=status.HTTP_202_ACCEPTED)


# --- tokens ------------------------------------------------------------------------------------


class TokenApi(ApiView):
    """Log in (POST) and out (DELETE) for the app. django-axes counts failed logins."""

    def get_authenticators(self):
        # Logging in: a stale token or session the app still sends must not get in the way.
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if getattr(self.request, "method", None) == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="token_create",
        tags=["auth"],
        summary="Log in: exchange a login name and password for a token",
        description=(
            "Customers only. After too many failed attempts (per login name and address) "
            "the login is locked for a while and this answers 429 `account_locked`."
        ),
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: error_response(
                "Wrong login name or password (the same answer for both).",
                error_example(
                    "Wrong credentials",
                    "invalid_credentials",
                    "The username or password is not correct.",
                    status_codes=[400],
                ),
            ),
            403: STAFF_FORBIDDEN,
            429: error_response(
                "Locked out after too many failed logins.",
                error_example(
                    "Locked",
                    "account_locked",
                    "Too many failed logins: this login is locked for a while. Try again "
                    "later or ask a store for help.",
                    status_codes=[429],
                ),
            ),
        },
        examples=[
            OpenApiExample(
                "Credentials",
                request_only=True,
                value={"username": "wang.xiaoming", "password": "a-long-and-private-passphrase"},
            )
        ],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The DRF request, so django-axes keeps its flags off the Django request and its
        # middleware does not swap this JSON answer for the HTML lockout page.
        user = authenticate(request=request, **serializer.validated_data)
        if getattr(request, "axes_locked_out", False):
            raise DomainError(
                _(
                    "Too many failed logins: this login is locked for a while. Try again later "
                    "or ask a store for help."
                ),
                code="account_locked",
                status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            raise DomainError(
                _("The username or password is not correct."), code="invalid_credentials"
            )
        # Staff pass a second factor on the web; a bare token would skip it.
        if not user_has_role(user, Role.CUSTOMER):
            raise CustomerOnlyError()
        token, _created = Token.objects.get_or_create(user=user)
        user_logged_in.send(sender=type(user), request=request, user=user)
        return Response(TokenSerializer({"token": token.key}).data)

    @extend_schema(
        operation_id="token_delete",
        tags=["auth"],
        summary="Log out: the token stops working",
        request=None,
        responses={204: None, 401: UNAUTHENTICATED},
    )
    def delete(self, request, *args, **kwargs):
        Token.objects.filter(user=request.user).delete()
        user_logged_out.send(sender=type(request.user), request=request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

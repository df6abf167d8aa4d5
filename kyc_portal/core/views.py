"""Home pages: a public landing page, and one page per role after login."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kyc_portal.accounts.models import User
from kyc_portal.accounts.roles import Role, role_required, user_role
from kyc_portal.accounts.selectors import (
    role_member_counts,
    store_users,
    user_has_confirmed_otp_device,
)

ROLE_HOME_URL_NAMES: dict[Role, str] = {
    Role.CUSTOMER: "core:home_customer",
    Role.STORE_STAFF: "core:home_store_staff",
    Role.REVIEWER: "core:home_reviewer",
    Role.SENIOR_REVIEWER: "core:home_reviewer",
    Role.COMPLIANCE_OFFICER: "core:home_compliance",
    Role.ADMINISTRATOR: "core:home_administrator",
}


def home(request: HttpRequest) -> HttpResponse:
    """Visitors see what the portal is for; logged-in users go to their role's page."""
    if not request.user.is_authenticated:
        return render(request, "core/home.html")
    role = user_role(request.user)
    if role is None:
        return render(request, "core/home/no_role.html")
    return redirect(ROLE_HOME_URL_NAMES[role])


def _second_factor_hint(user: User) -> bool:
    # Offered on staff pages while the demo lets staff work without an authenticator.
    return not user_has_confirmed_otp_device(user)


@role_required(Role.CUSTOMER)
def home_customer(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home/customer.html")


@role_required(Role.STORE_STAFF)
def home_store_staff(request: HttpRequest) -> HttpResponse:
    context = {
        "store": request.user.store,
        "colleagues": store_users(actor=request.user).exclude(pk=request.user.pk),
        "offer_second_factor": _second_factor_hint(request.user),
    }
    return render(request, "core/home/store_staff.html", context)


@role_required(Role.REVIEWER)
def home_reviewer(request: HttpRequest) -> HttpResponse:
    context = {"offer_second_factor": _second_factor_hint(request.user)}
    return render(request, "core/home/reviewer.html", context)


@role_required(Role.COMPLIANCE_OFFICER)
def home_compliance(request: HttpRequest) -> HttpResponse:
    context = {"offer_second_factor": _second_factor_hint(request.user)}
    return render(request, "core/home/compliance_officer.html", context)


@role_required(Role.ADMINISTRATOR)
def home_administrator(request: HttpRequest) -> HttpResponse:
    context = {
        "role_counts": role_member_counts(),
        "offer_second_factor": _second_factor_hint(request.user),
    }
    return render(request, "core/home/administrator.html", context)

"""Login, second factor (verify and enrol). Thin: the work is in services and selectors."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from kyc_portal.core.errors import DomainError

from . import services
from .forms import OTPTokenForm, PortalAuthenticationForm
from .roles import user_is_staff_member
from .selectors import user_has_confirmed_otp_device


class PortalLoginView(auth_views.LoginView):
    """One login page for customers and staff; staff then pass the second factor."""

    template_name = "accounts/login.html"
    authentication_form = PortalAuthenticationForm
    redirect_authenticated_user = True
    extra_context = {"hide_login_link": True}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        limit = settings.AXES_FAILURE_LIMIT
        context["login_failure_limit"] = limit if isinstance(limit, int) else None
        return context


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("core:home")


def _status_for(error: DomainError) -> int:
    # A wrong code is an ordinary form error; being throttled is "too many requests".
    return 429 if error.code == "otp_throttled" else 200


def _render_code_form(request, template, form, context=None, status=200) -> HttpResponse:
    context = {"form": form, "next": _next_url(request), **(context or {})}
    return render(request, template, context, status=status)


@sensitive_post_parameters("otp_token")
@never_cache
@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Enter the current code of the authenticator app to finish logging in."""
    user = request.user
    if not user_is_staff_member(user) or user.is_verified():
        return redirect(_next_url(request))
    if not user_has_confirmed_otp_device(user):
        return redirect("accounts:otp_enrol")
    form = OTPTokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.second_factor_verify(request=request, token=form.cleaned_data["otp_token"])
        except DomainError as error:
            form.add_error("otp_token", error.message)
            status = _status_for(error)
        else:
            return redirect(_next_url(request))
    return _render_code_form(request, "accounts/otp_verify.html", form, status=status)


@sensitive_post_parameters("otp_token")
@never_cache
@csrf_protect
@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm a code."""
    user = request.user
    if not user_is_staff_member(user):
        return redirect("core:home")
    # Replacing an authenticator needs the current one first; otherwise a stolen password
    # would be enough to enrol the thief's phone.
    if user_has_confirmed_otp_device(user) and not user.is_verified():
        return redirect("accounts:otp_verify")
    device = services.totp_device_for_enrolment(user=user)
    form = OTPTokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.totp_device_confirm(
                request=request, device=device, token=form.cleaned_data["otp_token"]
            )
        except DomainError as error:
            form.add_error("otp_token", error.message)
            status = _status_for(error)
        else:
            return redirect(_next_url(request))
    secret = b32encode(device.bin_key).decode()
    context = {
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#12263a", omitsize=True, svgclass="qr-code"
        ),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "enrolment_required": settings.STAFF_OTP_REQUIRED,
        "replacing": user.is_verified(),
    }
    return _render_code_form(request, "accounts/otp_enrol.html", form, context, status)

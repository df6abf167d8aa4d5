"""Staff pass a second factor (TOTP) before they reach any staff page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .roles import user_is_staff_member
from .selectors import user_has_confirmed_otp_device

# Pages an unverified staff member may still open: the second-factor pages themselves,
# logging out, switching the language, static files and the health check.
_ALWAYS_OPEN_URL_NAMES = ("accounts:otp_verify", "accounts:otp_enrol", "accounts:logout")
_ALWAYS_OPEN_PREFIXES = ("/i18n/",)
_ALWAYS_OPEN_PATHS = frozenset({"/healthz"})


class StaffSecondFactorMiddleware:
    """Authenticated staff who have not passed the second factor are sent to pass it.

    With a confirmed authenticator they must enter a code; without one they must enrol
    when ``STAFF_OTP_REQUIRED`` is on, and may work without when it is off (the demo).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not self._is_always_open(request.path_info)
            and user_is_staff_member(user)
            and not user.is_verified()
        ):
            target = self._second_factor_url(user)
            if target is not None:
                return self._send_to(request, target)
        return self.get_response(request)

    def _is_always_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = (
                *(reverse(name) for name in _ALWAYS_OPEN_URL_NAMES),
                settings.STATIC_URL,
                *_ALWAYS_OPEN_PREFIXES,
            )
        return path in _ALWAYS_OPEN_PATHS or path.startswith(self._open_paths)

    @staticmethod
    def _second_factor_url(user) -> str | None:
        if user_has_confirmed_otp_device(user):
            return reverse("accounts:otp_verify")
        if settings.STAFF_OTP_REQUIRED:
            return reverse("accounts:otp_enrol")
        return None

    @staticmethod
    def _send_to(request: HttpRequest, target: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            body = {
                "error": {
                    "code": "second_factor_required",
                    "message": _("Enter your authenticator code on the web portal first."),
                    "fields": {},
                }
            }
            return JsonResponse(body, status=403)
        if request.method == "GET":
            target = f"{target}?{urlencode({'next': request.get_full_path()})}"
        return redirect(target)

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

_LOGIN_REFUSED = _(
    "The username or password is not correct. Check both and try again; "
    "the password is case-sensitive."
)


class PortalAuthenticationForm(AuthenticationForm):
    """Django's login form (it passes ``request`` to authenticate, which axes needs) with
    one message for every refusal, so the page does not tell which usernames exist."""

    error_messages = {
        "invalid_login": _LOGIN_REFUSED,
        # An inactive account gets the same answer as a wrong password.
        "inactive": _LOGIN_REFUSED,
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].widget.attrs.update({"autocapitalize": "none"})
        self.fields["password"].label = _("Password")


class OTPTokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("6-digit code"),
        help_text=_("Open your authenticator app and type the code shown for KYC Portal."),
        validators=[RegexValidator(r"^\d{6}$", _("Enter the 6 digits, without spaces."))],
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "maxlength": 6,
                "autofocus": True,
                "class": "input-code",
            }
        ),
    )

"""Stable action codes of the audit trail.

The codes are stored in the trail and hashed into it, so they never change once used.
Other apps may record their own codes through ``audit_record``; the ones below are
written by this app or by its helpers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    AUTH_LOGIN = "auth.login", _("Logged in")
    AUTH_LOGIN_FAILED = "auth.login_failed", _("Failed login attempt")
    AUTH_LOGOUT = "auth.logout", _("Logged out")
    AUTH_LOCKED_OUT = "auth.locked_out", _("Locked out after failed logins")
    DATA_REVEAL = "data.reveal", _("Revealed a masked value")
    DATA_EXPORT = "data.export", _("Exported data")
    CASE_TRANSITION = "case.transition", _("Changed state")

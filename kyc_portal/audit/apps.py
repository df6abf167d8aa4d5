from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "kyc_portal.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import (
            user_logged_in,
            user_logged_out,
            user_login_failed,
        )

        from . import receivers

        user_logged_in.connect(receivers.record_login, dispatch_uid="audit.login")
        user_logged_out.connect(receivers.record_logout, dispatch_uid="audit.logout")
        user_login_failed.connect(receivers.record_login_failed, dispatch_uid="audit.login_failed")
        user_locked_out.connect(receivers.record_locked_out, dispatch_uid="audit.locked_out")

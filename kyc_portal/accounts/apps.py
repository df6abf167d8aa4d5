from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender, using="default", **kwargs) -> None:
    # post_migrate is sent once per app, after that app's permissions were created; syncing
    # each time (it is idempotent and cheap) means the last run sees every permission.
    from .services import roles_sync

    roles_sync()


class AccountsConfig(AppConfig):
    name = "kyc_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_migrate, dispatch_uid="accounts.roles_sync")

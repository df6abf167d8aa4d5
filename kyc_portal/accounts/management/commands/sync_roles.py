from django.core.management.base import BaseCommand

from kyc_portal.accounts.services import roles_sync


class Command(BaseCommand):
    help = "Create the role groups and set their permissions to those listed in roles.py."

    def handle(self, *args, **options) -> None:
        report = roles_sync()
        for name in report.created_groups:
            self.stdout.write(f"created group {name}")
        for name in report.missing_permissions:
            self.stderr.write(f"permission not installed (skipped): {name}")
        self.stdout.write(self.style.SUCCESS("Role groups are up to date."))

from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from customers.demo import load_demo_customers
from kyc_portal.accounts.demo import DemoLogin, load_demo_accounts
from verification.demo import load_demo_cases

# Run in this order; each returns the logins it made. Add a loader to extend the demo.
DEMO_LOADERS: list[Callable[[], list[DemoLogin]]] = [
    load_demo_accounts,
    load_demo_customers,
    load_demo_cases,
]


class Command(BaseCommand):
    help = "Create demo stores and one login per role (safe to run again)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo logins even though STAFF_OTP_REQUIRED is on (production).",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        if settings.STAFF_OTP_REQUIRED and not allow_production:
            raise CommandError(
                "This looks like production (STAFF_OTP_REQUIRED is on): demo logins have "
                "published passwords. Use --allow-production only on a demo server."
            )
        logins: list[DemoLogin] = []
        for loader in DEMO_LOADERS:
            logins.extend(loader())
        self._print_table(logins)

    def _print_table(self, logins: list[DemoLogin]) -> None:
        rows = [("username", "password", "role", "note")] + [
            (login.username, login.password, login.role.value, login.note) for login in logins
        ]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        for index, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[3]]).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(self.style.SUCCESS(f"{len(logins)} demo logins are ready."))

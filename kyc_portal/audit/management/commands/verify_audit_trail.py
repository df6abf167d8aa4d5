from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kyc_portal.audit.selectors import VERIFY_CHUNK_SIZE, AuditTrailBroken, audit_trail_verify


class Command(BaseCommand):
    help = "Recompute the audit trail's hash chain; exit non-zero at the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=VERIFY_CHUNK_SIZE,
            help="Entries read from the database at a time.",
        )

    def handle(self, *args, **options):
        try:
            count = audit_trail_verify(chunk_size=options["chunk_size"])
        except AuditTrailBroken as broken:
            raise CommandError(_("Audit trail broken: %(problem)s") % {"problem": broken}) from None
        self.stdout.write(self.style.SUCCESS(_("%(count)s entries verified") % {"count": count}))

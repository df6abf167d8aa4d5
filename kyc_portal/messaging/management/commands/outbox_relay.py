from django.core.management.base import BaseCommand

from kyc_portal.messaging.outbox import outbox_relay


class Command(BaseCommand):
    help = "Queue the outbox messages that are due (refused by the broker, or lost)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="At most this many.")
        parser.add_argument("--queue", default=None, help="Celery queue (default: the usual).")

    def handle(self, *args, limit: int, queue: str | None, **options) -> None:
        queued = outbox_relay(limit=limit, queue=queue)
        self.stdout.write(f"{queued} message(s) queued.")

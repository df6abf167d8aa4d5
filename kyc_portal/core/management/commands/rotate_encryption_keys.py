"""Re-encrypt every encrypted value that is not under the newest key in FIELD_ENCRYPTION_KEYS.

Safe while the portal runs and safe to repeat; see kyc_portal/crypto/rotation.py.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kyc_portal.crypto.keys import get_keyring
from kyc_portal.crypto.rotation import RotationResult, encrypted_models, model_rotate

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Rows read per batch; each batch is written in its own transaction.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count the values that would be re-encrypted.",
        )

    def handle(self, *args: object, batch_size: int, dry_run: bool, **options: object) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        current = get_keyring().current.kid
        self.stdout.write(
            f"{'Dry run: ' if dry_run else ''}re-encrypting under key id {current!r}."
        )
        unreadable: list[str] = []
        totals = {"stale": 0, "rotated": 0, "changed": 0}
        for model, fields in encrypted_models():
            label = model._meta.label
            result = model_rotate(
                model=model,
                fields=fields,
                batch_size=batch_size,
                dry_run=dry_run,
                on_batch=lambda progress, label=label: self._draw_bar(label, progress),
            )
            self._draw_bar(label, result)
            self.stdout.write("")
            verb = "would be re-encrypted" if dry_run else "re-encrypted"
            done = result.rows_stale if dry_run else result.rows_rotated
            line = f"  {label}: {result.scanned} rows checked, {done} {verb}"
            if result.rows_changed_meanwhile:
                line += f", {result.rows_changed_meanwhile} changed by the portal meanwhile"
            self.stdout.write(line + ".")
            totals["stale"] += result.rows_stale
            totals["rotated"] += result.rows_rotated
            totals["changed"] += result.rows_changed_meanwhile
            unreadable.extend(result.unreadable)
        if dry_run:
            self.stdout.write(f"Dry run: {totals['stale']} rows hold values under older keys.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Done: {totals['rotated']} rows re-encrypted, "
                    f"{totals['changed']} rows skipped because they changed meanwhile "
                    "(run again to check them)."
                )
            )
        if unreadable:
            # Model, primary key and field only: never the value.
            for entry in unreadable:
                self.stderr.write(f"  cannot decrypt: {entry}")
            raise CommandError(
                f"{len(unreadable)} values could not be decrypted with the configured keys; "
                "they were left as they are."
            )

    def _draw_bar(self, label: str, result: RotationResult) -> None:
        total = max(result.total, 1)
        filled = min(BAR_WIDTH, BAR_WIDTH * result.scanned // total)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stdout.write(f"\r{label} [{bar}] {result.scanned}/{result.total}", ending="")
        self.stdout.flush()

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kyc_portal.core.errors import DomainError
from verification.checks.background import COLUMNS, reference_file_import


class Command(BaseCommand):
    help = (
        "Check a CSV of known records (court judgements, tax and credit blacklists, "
        f"abnormal-operation lists; columns {', '.join(COLUMNS)}) and make its good rows "
        "the background checks' reference file. Bad rows are listed with their line numbers."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)
        parser.add_argument(
            "--encoding",
            default="utf-8",
            help="The file's encoding (default utf-8; gb18030 reads GBK files saved by Excel).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only check the file; change nothing."
        )

    def handle(self, *args, csv_file: Path, encoding: str, dry_run: bool, **options):
        try:
            content = csv_file.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": csv_file, "error": error.strerror}
            ) from None
        try:
            text = content.decode(
                "utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding
            )
        except LookupError:
            raise CommandError(_("Unknown encoding %(name)r.") % {"name": encoding}) from None
        except UnicodeDecodeError as error:
            line = content[: error.start].count(b"\n") + 1
            raise CommandError(
                _(
                    "The file is not %(encoding)s (line %(line)d). A file saved by Excel on "
                    "Chinese Windows is often GBK: run again with --encoding gb18030."
                )
                % {"encoding": encoding, "line": line}
            ) from None
        try:
            report = reference_file_import(text=text, dry_run=dry_run)
        except DomainError as error:
            raise CommandError(error.message) from None
        for row_error in report.errors:
            self.stderr.write(
                _("Line %(line)d: %(reason)s")
                % {"line": row_error.line, "reason": row_error.reason}
            )
        counts = {"good": report.imported, "bad": len(report.errors)}
        if dry_run:
            message = _("%(good)d good rows, %(bad)d bad rows; nothing changed (dry run).")
        else:
            message = _("%(good)d records imported, %(bad)d bad rows left out.")
        self.stdout.write(self.style.SUCCESS(message % counts))

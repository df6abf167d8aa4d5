"""`python -m benchmarks.documents`: the measuring process (see __init__.py)."""

import sys

import django

django.setup()

from benchmarks.django_process import measurements_print  # noqa: E402
from benchmarks.documents.measure import documents_run  # noqa: E402


def main() -> int:
    report = documents_run()
    print(report.table())
    measurements_print(report.measurements())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m benchmarks.fast_track`: the measuring process (see __init__.py)."""

import os
import sys

import django

django.setup()

from benchmarks.django_process import measurements_print  # noqa: E402
from benchmarks.fast_track.measure import CASES, WARMUP, fast_track_run  # noqa: E402


def main() -> int:
    # Fewer cases for a quick look, or for the benchmark's own test.
    report = fast_track_run(
        cases=int(os.environ.get("BENCH_FAST_TRACK_CASES", CASES)),
        warmup=int(os.environ.get("BENCH_FAST_TRACK_WARMUP", WARMUP)),
    )
    print(report.table())
    measurements_print(report.measurements())
    return 0


if __name__ == "__main__":
    sys.exit(main())

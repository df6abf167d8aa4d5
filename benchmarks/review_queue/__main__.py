"""`python -m benchmarks.review_queue`: the measuring process (see __init__.py)."""

import os
import sys

import django

django.setup()

from benchmarks.django_process import measurements_print  # noqa: E402
from benchmarks.review_queue.measure import (  # noqa: E402
    measurements,
    plans_text,
    table,
    tiers_run,
)

SIZES = (10_000, 1_000_000)
SAMPLES = 250  # per client, operation and size
ROUNDS = 5
WARMUP = 10  # per client, round and operation


def main() -> int:
    largest = int(os.environ.get("BENCH_QUEUE_MAX", SIZES[-1]))
    sizes = [size for size in SIZES if size <= largest] or [largest]
    tiers = tiers_run(sizes=sizes, samples=SAMPLES, warmup=WARMUP, rounds=ROUNDS)
    print(plans_text(tiers[-1]))
    print()
    print(table(tiers))
    measurements_print(measurements(tiers))
    return 0


if __name__ == "__main__":
    sys.exit(main())

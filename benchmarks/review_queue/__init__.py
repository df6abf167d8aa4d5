"""The review queue at 10⁴ and 10⁶ cases on PostgreSQL (the "Speed" requirement).

Targets, at 4 reviewers acting at once: the p99 of each queue page and of claim-next at
10⁶ cases within 1.3× of its p99 at 10⁴, and at most 50 ms; the thousandth page within
1.5× of the first; the queue's queries read a partial queue index (``case_queue_open``)
in order, with no Sort. The cases are seeded in bulk (seed.py); the clients are
processes (measure.py); the plans are printed with the table.

Each size has a database of its own, copied from ``kyc_bench_queue`` (made afresh and
migrated on every run): ``kyc_bench_queue_10000`` and ``kyc_bench_queue_1000000``. The
sizes are measured in turns, five rounds each, so that both meet the same load from
whatever else runs on the machine. The databases are kept after the run for a look
(EXPLAIN by hand) and dropped by the next one. ``BENCH_QUEUE_MAX=10000`` leaves out the
10⁶ size (about three minutes of seeding) for a quick run.
"""

from benchmarks import Measurements, benchmark
from benchmarks.django_process import bench_services, django_process_run

DATABASE = "kyc_bench_queue"
REDIS_DB = 11


@benchmark("review_queue")
def review_queue_benchmark() -> Measurements:
    return django_process_run(
        module="benchmarks.review_queue",
        services=bench_services(database=DATABASE, redis_db=REDIS_DB),
    )

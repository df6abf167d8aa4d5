"""Fast track end to end, with a real Celery worker (the "Speed" requirement).

Low-risk individuals register online (web channel, mainland resident ID agreeing with
the declared birth date and gender, aged 26 to 36: nothing in the default risk policy but
the 10 points of the unseen web channel), upload photos of their ID card front and back
(drawn with their declared data by the OCR test set's renderer,
tests/verification/checks/synthetic.py), and confirm with the code of the SMS the worker
sent them (``customers.confirmation.confirmation_confirm``). The clock starts when the
customer confirms and stops when the case is seen REGISTERED in the database (polled
every 10 ms): risk scoring, routing, the automatic checks that apply (document reading by
OCR of both sides), the fast-track rules, approval, registration with a customer number,
and the "registered" notice, through Redis and a real worker.

One case at a time (each waits for the previous one), after a few to warm the worker's
processes up (each loads the OCR models on its first reading). ``celery -A kyc_portal
worker --concurrency=2``, as docker-compose.yml runs it. The fast-track policy's
quality-control sample is set to 0% for the run (a new policy version), so that every
case takes the automatic path. A case the checks refuse goes to a reviewer, as it
should; it is listed, and left out of the times. Target: a median of 5 s at most.
"""

import tempfile

from benchmarks import Measurements, benchmark
from benchmarks.django_process import bench_environment, bench_services, django_process_run

DATABASE = "kyc_bench_fast_track"
REDIS_DB = 12


@benchmark("fast_track")
def fast_track_benchmark() -> Measurements:
    services = bench_services(database=DATABASE, redis_db=REDIS_DB)
    with tempfile.TemporaryDirectory(prefix="kyc-bench-fast-track-") as folder:
        environment = bench_environment(
            services, PRIVATE_MEDIA_ROOT=f"{folder}/private", SMS_FILE_PATH=f"{folder}/sms"
        )
        return django_process_run(
            module="benchmarks.fast_track", services=services, environment=environment
        )

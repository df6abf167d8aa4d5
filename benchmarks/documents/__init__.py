"""Document processing of a 12-megapixel photo: time and peak memory (the "Speed" part).

A 4000×3000 JPEG made of gradients and noise (about 4 MB, like a phone's photo) goes
through ``verification.documents.document_upload`` — checks, decode, rebuild from the
pixels, re-encode, thumbnail, files written, row saved — into a temporary folder. A
3-megapixel photo made the same way is the baseline. Measured:

* the median time of 10 uploads of each (after one to warm up);
* the peak memory of an upload, each in a fresh forked process: the growth of the
  resident set (``ru_maxrss`` minus the size before) and Python's own peak
  (``tracemalloc``, which does not see Pillow's pixel buffers);
* the resident set after each of the timed uploads, to show that it does not grow.

Targets ("memory bounded"): the peak stays within 4× the decoded image (width × height ×
3 bytes; the service holds at most about three copies of the pixels, see
verification/documents.py); 12 MP needs at most 1.25× the 3 MP peak per pixel; and the
resident set after the last upload is within a quarter of a decoded image of that after
the first.
"""

import tempfile

from benchmarks import Measurements, benchmark
from benchmarks.django_process import bench_environment, bench_services, django_process_run

DATABASE = "kyc_bench_documents"
REDIS_DB = 10


@benchmark("documents")
def documents_benchmark() -> Measurements:
    services = bench_services(database=DATABASE, redis_db=REDIS_DB)
    with tempfile.TemporaryDirectory(prefix="kyc-bench-documents-") as folder:
        return django_process_run(
            module="benchmarks.documents",
            services=services,
            environment=bench_environment(services, PRIVATE_MEDIA_ROOT=folder),
        )

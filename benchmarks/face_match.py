"""Face match: latency and memory of one selfie–document comparison, the model loaded once.

The pair is made from real photographs (tests/verification/checks/faces.py, the [dev]
extra): Eileen Collins' selfie (580 × 600 JPEG) against an ID-card-like image with her
portrait (856 × 540), which takes the whole path of the check (both images decoded, faces
found, the screen checks, both faces aligned and described, the distance). The same pair
with the selfie as a phone would send it (3000 × 3100) shows the cost of a large photo.

Runs in a process of its own (``python -m benchmarks.face_match``), so the model's load
and the memory are measured from a cold start: the load, then the first comparison,
then the median and 90th percentile of ``BENCH_FACE_RUNS`` more (default 20), one at a
time. Memory is the process's resident set: after loading, and the largest rise during
one comparison (the kernel's peak counter, reset before each). Django is set up with the
test settings only to import the provider; no database is used.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import Measurements, benchmark
from benchmarks.django_process import MARKER, measurements_print

ROOT = Path(__file__).resolve().parent.parent


def _memory_mb() -> dict[str, float]:
    """Resident set now and its peak since the last reset (Linux), in MB."""
    status = Path("/proc/self/status").read_text()
    values = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values


def _peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _pairs() -> dict[str, tuple[bytes, bytes]]:
    from tests.verification.checks import faces

    card = faces.encode(faces.id_card(faces.eileen_card_portrait()))
    selfie = faces.eileen_selfie()
    return {
        "selfie_580x600": (faces.encode(selfie), card),
        "selfie_3000x3100": (faces.encode(selfie.resize((3000, 3100))), card),
    }


def face_match_measure() -> Measurements:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "kyc_portal.settings.test"  # no database needed
    django.setup()
    from verification.checks.providers import face

    runs = int(os.environ.get("BENCH_FACE_RUNS", "20"))
    pairs = _pairs()
    before_load = _memory_mb()["VmRSS"]
    load_seconds = face.face_models_load()
    loaded = _memory_mb()["VmRSS"]
    print(f"Face match benchmark: {runs} comparisons per pair after a first one")
    print(
        f"model loaded in {load_seconds:.2f} s; resident memory {before_load:.0f} MB "
        f"before, {loaded:.0f} MB loaded"
    )
    measurements: Measurements = {"load_s": load_seconds, "rss_loaded_mb": loaded}
    for name, (selfie, document) in pairs.items():
        times, rises, first, summary = [], [], None, ""
        for index in range(runs + 1):
            _peak_reset()
            resident = _memory_mb()["VmRSS"]
            started = time.perf_counter()
            result = face.face_compare(selfie=selfie, document=document, threshold=0.6)
            elapsed = time.perf_counter() - started
            rises.append(_memory_mb()["VmHWM"] - resident)
            summary = result.summary
            if index == 0:
                first = elapsed
            else:
                times.append(elapsed)
        times.sort()
        median, p90 = statistics.median(times), times[int(0.9 * (len(times) - 1))]
        print(
            f"{name:<17} {summary:<6} first {first:.2f} s, median {median:.2f} s, "
            f"p90 {p90:.2f} s, peak rise {max(rises):.0f} MB"
        )
        measurements.update(
            {
                f"{name}_first_s": first,
                f"{name}_median_s": median,
                f"{name}_p90_s": p90,
                f"{name}_peak_rise_mb": max(rises),
            }
        )
    return measurements


@benchmark("face_match")
def face_match_benchmark() -> Measurements:
    """In a fresh process: a cold model load and a clean memory count."""
    measurements: Measurements = {}
    with subprocess.Popen(
        [sys.executable, "-m", "benchmarks.face_match"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        for line in process.stdout:
            if line.startswith(MARKER):
                measurements = json.loads(line[len(MARKER) :])
            else:
                print(line, end="", flush=True)
    if process.returncode != 0 or not measurements:
        raise RuntimeError(
            f"python -m benchmarks.face_match failed (exit status {process.returncode})"
        )
    return measurements


if __name__ == "__main__":
    measurements_print(face_match_measure())

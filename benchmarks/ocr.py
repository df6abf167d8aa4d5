"""Document reading (OCR): field accuracy on generated documents, latency and memory.

The set is generated (tests/verification/checks/synthetic.py, fixed seed): resident ID
card fronts and backs, business licences and passport data pages, each in every variant
(clean, tilted 2-5°, upside down, blurred by a Gaussian of radius 1.5, 4 and 9 pixels,
noise, JPEG quality 40). Each
field read is counted correct, unreadable (reported as such) or wrong (a value given
that is not the rendered one: the failure that matters). Medium blur is where reading
starts to fail, heavy blur is meant to be unreadable.

Runs in a process of its own (``python -m benchmarks.ocr``), so the models' load time
and the memory are measured from a cold start: the load, then the first reading, then
the median and 90th percentile of the rest, one at a time, with the models loaded once.
Memory is the process's resident set: after loading, and the largest rise during one
reading (the kernel's peak counter, reset before each image). ``BENCH_OCR_SAMPLES``
sets the documents per kind and variant (default 2: 64 images).
"""

import datetime
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from benchmarks import Measurements, benchmark
from benchmarks.django_process import MARKER, measurements_print

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240605
TODAY = datetime.date(2025, 6, 1)  # fixed, so that "expired" does not drift
HARD_VARIANTS = ("blur_medium", "blur_heavy")  # not expected to be read in full


def _memory_mb() -> dict[str, float]:
    """Resident set now and its peak since the last reset (Linux), in MB."""
    status = Path("/proc/self/status").read_text()
    return {key: int(re.search(rf"{key}:\s+(\d+)", status)[1]) / 1024 for key in ("VmRSS", "VmHWM")}


def _peak_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def _documents(samples: int):
    """(kind, variant, expected values, image bytes) for the whole set."""
    from tests.verification.checks import synthetic

    rng = random.Random(SEED)
    kinds = (
        ("id_front", synthetic.id_card_front_values, synthetic.id_card_front_render),
        ("id_back", synthetic.id_card_back_values, synthetic.id_card_back_render),
        ("licence", synthetic.business_licence_values, synthetic.business_licence_render),
        ("passport", synthetic.passport_values, synthetic.passport_render),
    )
    for kind, values_of, render in kinds:
        for variant in synthetic.VARIANTS:
            for _ in range(samples):
                values = values_of(rng)
                yield kind, variant, values, synthetic.variant_encode(render(values), variant, rng)


def _expected_and_read(kind: str, values, reading) -> dict[str, tuple[object, object]]:
    """Each field: (rendered value, value read)."""
    if kind == "id_back":
        until = "长期" if values.valid_until is None else values.valid_until
        read_until = "长期" if reading.long_term else reading.valid_until
        return {
            "issuing_authority": (values.issuing_authority, reading.issuing_authority),
            "valid_from": (values.valid_from, reading.valid_from),
            "valid_until": (until, read_until),
        }
    if kind == "passport":
        fields = {name: (getattr(values, name), getattr(reading, name)) for name in reading.FIELDS}
        fields["given_names"] = (values.given_names, reading.given_names)
        checks = reading.checks
        fields["mrz_checks"] = (True, len(checks) == 5 and all(checks.values()))
        return fields
    return {name: (getattr(values, name), getattr(reading, name)) for name in reading.FIELDS}


def ocr_measure() -> Measurements:
    from verification.checks import ocr

    readers = {
        "id_front": ocr.read_id_card_front,
        "id_back": lambda data: ocr.read_id_card_back(data, today=TODAY),
        "licence": ocr.read_business_licence,
        "passport": lambda data: ocr.read_passport_page(data, today=TODAY),
    }
    samples = int(os.environ.get("BENCH_OCR_SAMPLES", "2"))
    documents = list(_documents(samples))
    before_load = _memory_mb()["VmRSS"]
    load_seconds = ocr.ocr_engine_load()
    loaded = _memory_mb()["VmRSS"]

    outcomes: dict[str, list[str]] = defaultdict(list)  # by variant
    by_field: dict[tuple[str, str], list[str]] = defaultdict(list)  # readable variants
    latencies: dict[tuple[str, str], list[float]] = defaultdict(list)  # (kind, variant)
    rises, first_read = [], None
    for kind, variant, values, image in documents:
        _peak_reset()
        resident = _memory_mb()["VmRSS"]
        started = time.perf_counter()
        reading = readers[kind](image)
        elapsed = time.perf_counter() - started
        rises.append(_memory_mb()["VmHWM"] - resident)
        if first_read is None:
            first_read = elapsed
        else:
            latencies[kind, variant].append(elapsed)
        for name, (expected, read) in _expected_and_read(kind, values, reading).items():
            if name == "mrz_checks":
                # A check failing on a genuine passport read clearly: a false alarm.
                failed = False in reading.checks.values()
                outcome = "correct" if read else ("wrong" if failed else "unreadable")
            elif read is None:
                outcome = "unreadable"
            else:
                outcome = "correct" if read == expected else "wrong"
            outcomes[variant].append(outcome)
            if variant not in HARD_VARIANTS:
                by_field[kind, name].append(outcome)

    def share(results: list[str], outcome: str) -> float:
        return 100 * results.count(outcome) / len(results) if results else 0.0

    def row(label: str, results: list[str]) -> str:
        return (
            f"{label:<28} {len(results):>6} {share(results, 'correct'):>7.1f}% "
            f"{share(results, 'unreadable'):>9.1f}% {share(results, 'wrong'):>5.1f}%"
        )

    def median_where(test) -> float:
        return statistics.median(t for key, found in latencies.items() if test(*key) for t in found)

    print(f"OCR benchmark: {len(documents)} images, {samples} per kind and variant")
    print(f"models loaded in {load_seconds:.2f} s; first reading {first_read:.2f} s")
    print(f"resident memory: {before_load:.0f} MB before loading, {loaded:.0f} MB loaded")
    print()
    heading = f"{'':<28} {'fields':>6} {'correct':>8} {'unreadable':>10} {'wrong':>6}"
    print(f"{heading}  median s")
    measurements: Measurements = {}
    for variant in outcomes:
        seconds = median_where(lambda _, v, variant=variant: v == variant)
        print(f"{row(variant, outcomes[variant])}  {seconds:.2f}")
        measurements[f"correct_pct_{variant}"] = share(outcomes[variant], "correct")
        measurements[f"wrong_pct_{variant}"] = share(outcomes[variant], "wrong")
    print()
    print(f"{heading}  (variants but medium and heavy blur)")
    for (kind, name), results in by_field.items():
        print(row(f"{kind} {name}", results))
    print()
    print(f"{'document':<9} {'median s':>8} {'p90 s':>6}  (all variants)")
    for kind in readers:
        times = sorted(t for (k, _), found in latencies.items() if k == kind for t in found)
        print(
            f"{kind:<9} {statistics.median(times):>8.2f} {times[int(0.9 * (len(times) - 1))]:>6.2f}"
        )
    readable = [outcome for results in by_field.values() for outcome in results]
    everything = [outcome for results in outcomes.values() for outcome in results]
    id_front = median_where(lambda k, v: k == "id_front" and v not in HARD_VARIANTS)
    print()
    print(
        f"median reading {median_where(lambda k, v: True):.2f} s; "
        f"ID card front (readable variants) {id_front:.2f} s"
    )
    print(
        f"memory: largest rise during one reading {max(rises):.0f} MB "
        f"(median {statistics.median(rises):.0f} MB) above {loaded:.0f} MB loaded"
    )
    print(
        f"readable variants: {share(readable, 'correct'):.1f}% of fields correct; "
        f"wrong values: {everything.count('wrong')} of {len(everything)} fields, all variants"
    )
    measurements.update(
        images=len(documents),
        load_s=load_seconds,
        first_read_s=first_read,
        median_s=median_where(lambda k, v: True),
        id_front_median_s=id_front,
        rss_loaded_mb=loaded,
        peak_rise_mb=max(rises),
        correct_pct_readable=share(readable, "correct"),
        wrong_fields=everything.count("wrong"),
    )
    return measurements


@benchmark("ocr")
def ocr_benchmark() -> Measurements:
    """In a fresh process: a cold model load and a clean memory count."""
    measurements: Measurements = {}
    with subprocess.Popen(
        [sys.executable, "-m", "benchmarks.ocr"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as process:
        for line in process.stdout:
            if line.startswith(MARKER):
                measurements = json.loads(line[len(MARKER) :])
            else:
                print(line, end="", flush=True)
    if process.returncode != 0 or not measurements:
        raise RuntimeError(f"python -m benchmarks.ocr failed (exit status {process.returncode})")
    return measurements


if __name__ == "__main__":
    measurements_print(ocr_measure())

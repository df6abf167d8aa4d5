"""Uploading large photos through ``document_upload``: time, peak memory, no growth."""

import gc
import multiprocessing
import resource
import statistics
import tempfile
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.db import connection, connections
from PIL import Image, ImageChops, ImageFilter

from customers.enums import Channel, CustomerKind
from customers.models import Customer
from verification.documents import document_upload
from verification.models import DocumentKind

SIZES = ((4000, 3000), (2000, 1500))  # 12 MP, and the 3 MP baseline
RUNS = 10
MEMORY_RUNS = 5
JPEG_QUALITY = 92  # a phone camera's

# The targets ("memory bounded").
MAX_PEAK_TO_DECODED = 4.0
MAX_PER_PIXEL_GROWTH = 1.25  # peak per pixel at 12 MP ÷ peak per pixel at 3 MP
MAX_RSS_DRIFT = 0.25  # resident set after the last upload − after the first, in decoded images

MEGABYTE = 1_000_000


def photo_write(path: Path, size: tuple[int, int], quality: int = JPEG_QUALITY) -> int:
    """A photo-like JPEG: three gradients under fine noise (as a sensor's), blurred a little
    so that it compresses like a picture rather than like static. Returns its size."""
    gradients = [Image.linear_gradient("L").rotate(angle).resize(size) for angle in (0, 90, 45)]
    channels = [
        ImageChops.add(
            gradient,
            Image.effect_noise(size, 40).filter(ImageFilter.GaussianBlur(1)),
            offset=-128,
        )
        for gradient in gradients
    ]
    Image.merge("RGB", channels).save(path, "JPEG", quality=quality)
    return path.stat().st_size


def _rss_bytes() -> int:
    """The resident set now (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS is not in /proc/self/status: this measurement needs Linux.")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def _customer() -> Customer:
    # A new customer each time, so that the per-customer quota never stops the runs.
    return Customer.objects.create(kind=CustomerKind.INDIVIDUAL, channel=Channel.WEB)


def upload(path: Path, customer: Customer) -> float:
    """Seconds to upload ``path`` as the customer's ID card (read from disk in chunks, as
    Django hands over an upload larger than 2.5 MB)."""
    with path.open("rb") as opened:
        started = time.perf_counter()
        document_upload(
            customer=customer,
            kind=DocumentKind.ID_CARD_FRONT,
            uploaded_file=File(opened, name="IMG_0001.jpg"),
            actor=None,
            channel=Channel.WEB,
        )
        return time.perf_counter() - started


def _forked(function, *args):
    """``function(*args)`` in a forked process; its memory goes away with it."""
    context = multiprocessing.get_context("fork")
    # The child opens its own database connection.
    connections.close_all()
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        sender.send(function(*args))
        sender.close()
        connections.close_all()

    process = context.Process(target=child)
    process.start()
    sender.close()
    result = receiver.recv()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"The measuring process exited with status {process.exitcode}.")
    return result


def _upload_peak(path: Path, customer: Customer) -> tuple[int, int]:
    connection.ensure_connection()
    gc.collect()
    # In a forked process the peak starts at the resident set of that moment.
    before = _rss_bytes()
    tracemalloc.start()
    upload(path, customer)
    _current, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return _peak_rss_bytes() - before, python_peak


def upload_peak(path: Path) -> tuple[int, int]:
    """(growth of the resident set at its peak, Python's own peak) of one upload.

    Measured in a forked process of a parent that has not handled images yet: memory
    freed by earlier uploads stays resident in the allocator and would be reused
    unseen, so the parent makes its photos in forked processes too, and does its timed
    uploads only after every peak is measured.
    """
    return _forked(_upload_peak, path, _customer())


@dataclass
class SizeResult:
    width: int
    height: int
    file_bytes: int
    seconds: list[float] = field(default_factory=list)
    rss_after: list[int] = field(default_factory=list)  # after each timed upload
    peak_rss: list[int] = field(default_factory=list)  # growth, per forked upload
    peak_python: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.width * self.height / 1e6:.0f} MP ({self.width}×{self.height})"

    @property
    def decoded_bytes(self) -> int:
        return self.width * self.height * 3

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> int:
        """The largest peak growth seen: the bound must hold for every upload."""
        return max(self.peak_rss)

    @property
    def peak_to_decoded(self) -> float:
        return self.peak / self.decoded_bytes

    @property
    def drift(self) -> int:
        return self.rss_after[-1] - self.rss_after[0]


def sizes_measure(
    folder: Path, *, sizes=SIZES, runs: int = RUNS, memory_runs: int = MEMORY_RUNS
) -> list[SizeResult]:
    """Peaks first (see ``upload_peak``), then the timed uploads, in this process."""
    paths, results = [], []
    for width, height in sizes:
        path = folder / f"photo-{width}x{height}.jpg"
        file_bytes = _forked(photo_write, path, (width, height))
        paths.append(path)
        results.append(SizeResult(width=width, height=height, file_bytes=file_bytes))
    for path, result in zip(paths, results, strict=True):
        for _ in range(memory_runs):
            growth, python_peak = upload_peak(path)
            result.peak_rss.append(growth)
            result.peak_python.append(python_peak)
    for path, result in zip(paths, results, strict=True):
        upload(path, _customer())  # warm-up: the first of a size in this process
        for _ in range(runs):
            result.seconds.append(upload(path, _customer()))
            gc.collect()
            result.rss_after.append(_rss_bytes())
    return results


@dataclass(frozen=True)
class Target:
    label: str
    passed: bool
    shown: str

    def row(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.label:<70}{self.shown}"


@dataclass
class Report:
    results: list[SizeResult]

    def targets(self) -> list[Target]:
        large, small = self.results[0], self.results[-1]
        found = [
            Target(
                f"{result.label}: peak ≤ {MAX_PEAK_TO_DECODED:.0f}× the decoded image",
                result.peak_to_decoded <= MAX_PEAK_TO_DECODED,
                f"{result.peak_to_decoded:.2f}×",
            )
            for result in self.results
        ]
        found += [
            Target(
                f"{result.label}: no growth over {len(result.rss_after)} uploads "
                f"(≤ {MAX_RSS_DRIFT}× decoded)",
                result.drift <= MAX_RSS_DRIFT * result.decoded_bytes,
                f"{result.drift / MEGABYTE:+.1f} MB",
            )
            for result in self.results
        ]
        if large is not small:
            growth = (large.peak / large.decoded_bytes) / (small.peak / small.decoded_bytes)
            found.append(
                Target(
                    f"peak per pixel, {large.label} ÷ {small.label} ≤ {MAX_PER_PIXEL_GROWTH}",
                    growth <= MAX_PER_PIXEL_GROWTH,
                    f"{growth:.2f} (peaks {large.peak / small.peak:.2f}× for "
                    f"{large.decoded_bytes / small.decoded_bytes:.0f}× the pixels)",
                )
            )
        return found

    def table(self) -> str:
        def row(label: str, values) -> str:
            return f"{label:<40}" + "".join(f"{value:>22}" for value in values)

        results = self.results
        lines = [
            "Document upload (checks, decode, re-encode, thumbnail, store) of a JPEG photo",
            row("", [result.label for result in results]),
            row("file", [f"{result.file_bytes / MEGABYTE:.1f} MB" for result in results]),
            row(
                "decoded (w × h × 3)",
                [f"{result.decoded_bytes / MEGABYTE:.1f} MB" for result in results],
            ),
            row(
                f"time, median of {len(results[0].seconds)}",
                [f"{1000 * result.median_seconds:.0f} ms" for result in results],
            ),
            row("time, slowest", [f"{1000 * max(result.seconds):.0f} ms" for result in results]),
            row(
                f"peak RSS growth, max of {len(results[0].peak_rss)}",
                [f"{result.peak / MEGABYTE:.1f} MB" for result in results],
            ),
            row(
                "peak RSS growth, median",
                [f"{statistics.median(result.peak_rss) / MEGABYTE:.1f} MB" for result in results],
            ),
            row("  ÷ decoded image", [f"{result.peak_to_decoded:.2f}×" for result in results]),
            row(
                "Python's peak (tracemalloc), max",
                [f"{max(result.peak_python) / MEGABYTE:.1f} MB" for result in results],
            ),
            row(
                "RSS after upload 1 → last",
                [
                    f"{first / MEGABYTE:.0f} → {last / MEGABYTE:.0f} MB"
                    for first, last in ((r.rss_after[0], r.rss_after[-1]) for r in results)
                ],
            ),
            "",
            *(target.row() for target in self.targets()),
        ]
        return "\n".join(lines)

    def measurements(self) -> dict[str, float]:
        values: dict[str, float] = {}
        for result in self.results:
            name = f"{round(result.width * result.height / 1e6)}mp"
            values[f"{name}_median_ms"] = 1000 * result.median_seconds
            values[f"{name}_peak_rss_mb"] = result.peak / MEGABYTE
            values[f"{name}_peak_to_decoded"] = result.peak_to_decoded
            values[f"{name}_python_peak_mb"] = max(result.peak_python) / MEGABYTE
            values[f"{name}_rss_drift_mb"] = result.drift / MEGABYTE
        found = self.targets()
        values["targets_passed"] = float(sum(target.passed for target in found))
        values["targets"] = float(len(found))
        return values


def documents_run(*, sizes=SIZES, runs: int = RUNS, memory_runs: int = MEMORY_RUNS) -> Report:
    with tempfile.TemporaryDirectory(prefix="kyc-bench-photos-") as folder:
        return Report(sizes_measure(Path(folder), sizes=sizes, runs=runs, memory_runs=memory_runs))

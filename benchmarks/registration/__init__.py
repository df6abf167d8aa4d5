"""Registration through the API under load (the "Speed" requirement; docs/benchmarks.md).

Registrations are posted to gunicorn (2 sync workers) on PostgreSQL by 8 clients on the
same machine, and compared with baselines measured in the same run:

1. fast password hasher (MD5): the bare view (same request, same customer row, nothing
   else) and the registration, in alternating rounds; registration must reach 0.33× the
   bare view's throughput, 150 registrations/s, and a p99 of 60 ms at most;
2. production hasher (PBKDF2): the hash time measured in a worker sets the ceiling,
   workers ÷ median hash time; registration must reach 0.8× of it;
3. after every registration run: customers created = 2xx answers = confirmations =
   outbox messages = tasks in the broker's queue, and no 5xx.

The table also says how many CPU milliseconds each request cost gunicorn, PostgreSQL, the
load generator and whatever else ran (cpu.py): on 2 cores that, not wall time, sets the
throughput. The runner stays free of Django: the server runs
benchmarks/registration/settings.py, and the runner reads counts and hash times from it
(views.py).
"""

import os
import statistics
from dataclasses import dataclass, field

from benchmarks import Measurements, benchmark

from .cpu import CpuSample
from .load import LoadResult, load_merge, load_run
from .payloads import REGISTRATION_PATH, Request, registration_requests
from .server import (
    ROOT,
    Server,
    Services,
    database_migrate,
    gunicorn_server,
    server_environment,
    services_reset,
)

BARE_PATH = "/bench/bare-registration"
LOG_DIR = ROOT / "var" / "bench"
COUNTED = ("customers", "confirmations", "outbox_messages", "outbox_dispatched", "broker_queue")

# The targets of the requirement.
MIN_RATIO_TO_BARE = 0.33
MIN_FAST_PER_SECOND = 150.0
MAX_FAST_P99_MS = 60.0
MIN_RATIO_TO_HASH_CEILING = 0.8
# Above this one-minute load average, something else is using the cores: said in the table.
BUSY_LOAD_AVERAGE = 0.5


@dataclass(frozen=True)
class Plan:
    """How much load, with what. The defaults take about a minute on 2 cores."""

    services: Services
    clients: int = 8
    workers: int = 2
    rounds: int = 3
    warmup_requests: int = 80
    bare_requests: int = 1500
    fast_requests: int = 1000
    hash_samples: int = 7
    production_warmup_requests: int = 8
    # None: as many as the hash ceiling allows in about production_seconds.
    production_requests: int | None = None
    production_seconds: float = 10.0

    def production_size(self, ceiling_per_second: float) -> int:
        if self.production_requests is not None:
            return self.production_requests
        rounds = max(2, round(self.production_seconds * ceiling_per_second / self.clients))
        return rounds * self.clients


@dataclass
class Correctness:
    """Answers and what the database and the broker hold, added up over a phase's runs."""

    answers: int = 0
    ok: int = 0
    server_errors: int = 0
    counted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTED, 0))
    first_failure: str = ""

    def add(self, result: LoadResult, before: dict, after: dict) -> None:
        self.first_failure = self.first_failure or result.first_failure
        self.answers += result.count
        self.ok += result.count_class(2)
        self.server_errors += result.count_class(5)
        for name in COUNTED:
            self.counted[name] += after[name] - before[name]

    @property
    def others(self) -> int:
        """Answers neither 2xx nor 5xx (4xx, or no answer at all): the load was wrong."""
        return self.answers - self.ok - self.server_errors

    @property
    def exact(self) -> bool:
        return (
            self.server_errors == 0
            and self.others == 0
            and all(value == self.ok for value in self.counted.values())
        )

    def describe(self) -> str:
        counted = " = ".join(
            f"{name.replace('_', ' ')} {value}" for name, value in self.counted.items()
        )
        described = f"2xx {self.ok} = {counted}; 5xx {self.server_errors}; other {self.others}"
        if self.first_failure:
            described += f"; first unexpected answer: {self.first_failure}"
        return described


@dataclass
class Phase:
    key: str  # prefix of its measurements
    label: str
    results: list[LoadResult] = field(default_factory=list)
    cpu: list[CpuSample] = field(default_factory=list)

    @property
    def merged(self) -> LoadResult:
        return load_merge(self.results)

    @property
    def per_second(self) -> float:
        """Median throughput of the rounds."""
        return statistics.median(result.per_second for result in self.results)

    @property
    def p50_ms(self) -> float:
        return self.merged.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        return self.merged.percentile_ms(99)

    def cpu_ms(self) -> dict[str, float] | None:
        """CPU milliseconds per request: server, database, load generator, other, machine.

        "other" is whatever else ran meanwhile; None without /proc.
        """
        if not self.cpu:
            return None
        count = self.merged.count
        spent = {
            name: 1000 * sum(getattr(sample, name) for sample in self.cpu) / count
            for name in ("server", "database", "load_generator", "machine")
        }
        ours = spent["server"] + spent["database"] + spent["load_generator"]
        return {**spent, "other": max(spent["machine"] - ours, 0.0)}

    def cpu_row(self) -> str:
        spent = self.cpu_ms()
        if spent is None:
            return f"{self.label}: CPU use not measured (no /proc)"
        return (
            f"{self.label}: CPU ms per request: gunicorn {spent['server']:.1f}, "
            f"PostgreSQL {spent['database']:.1f}, load generator {spent['load_generator']:.1f}, "
            f"other {spent['other']:.1f}; all cores {spent['machine']:.1f}"
        )

    def row(self) -> str:
        sizes = {result.count for result in self.results}
        count = f"{len(self.results)}×{sizes.pop()}" if len(sizes) == 1 else str(self.merged.count)
        return (
            f"{self.label:<36}{count:>10}{self.per_second:>12.1f}"
            f"{self.p50_ms:>10.1f}{self.p99_ms:>10.1f}"
        )


@dataclass(frozen=True)
class Target:
    label: str
    passed: bool
    shown: str

    def row(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.label:<66}{self.shown}"


class _Identities:
    """Hands out request batches whose people never repeat within a run."""

    def __init__(self) -> None:
        self._next = 0

    def batch(self, path: str, count: int) -> list[Request]:
        first, self._next = self._next, self._next + count
        return registration_requests(path=path, first_serial=first, count=count)


def _counts(server: Server) -> dict[str, int]:
    status, counts = server.get_json("/bench/counts")
    if status != 200:
        raise RuntimeError(f"/bench/counts answered {status}")
    return counts


def _load(server: Server, plan: Plan, requests: list[Request]) -> LoadResult:
    return load_run(host=server.host, port=server.port, requests=requests, clients=plan.clients)


def _measure(
    server: Server,
    plan: Plan,
    requests: list[Request],
    phase: Phase,
    correctness: Correctness | None = None,
) -> None:
    """One measured run into ``phase``; with ``correctness``, its rows are counted too."""
    before = _counts(server) if correctness is not None else None
    sample = {"server_pid": server.process.pid, "database": plan.services.database}
    cpu_before = CpuSample.take(**sample)
    result = _load(server, plan, requests)
    cpu_after = CpuSample.take(**sample)
    phase.results.append(result)
    if cpu_before is not None and cpu_after is not None:
        phase.cpu.append(cpu_after - cpu_before)
    if correctness is not None:
        correctness.add(result, before, _counts(server))


def _warm_up(server: Server, plan: Plan, requests: list[Request]) -> None:
    result = _load(server, plan, requests)
    if result.count_class(2) != result.count:
        raise RuntimeError(
            f"Warm-up answers were not all 2xx: {dict(result.status_counts())}, the first: "
            f"{result.first_failure}; see the server log in {LOG_DIR}"
        )


def _hash_seconds(server: Server, samples: int) -> tuple[str, list[float]]:
    status, timing = server.get_json(f"/bench/hash-time?samples={samples}")
    if status != 200:
        raise RuntimeError(f"/bench/hash-time answered {status}")
    iterations = f", {timing['iterations']:,} iterations" if timing.get("iterations") else ""
    return f"{timing['hasher']}{iterations}", timing["seconds"]


@dataclass
class Report:
    plan: Plan
    bare: Phase
    fast: Phase
    production: Phase
    fast_correctness: Correctness
    production_correctness: Correctness
    hasher: str = ""
    hash_seconds: list[float] = field(default_factory=list)
    load_average: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def hash_median(self) -> float:
        return statistics.median(self.hash_seconds)

    @property
    def hash_ceiling(self) -> float:
        return self.plan.workers / self.hash_median

    @property
    def ratio_to_bare(self) -> float:
        return self.fast.per_second / self.bare.per_second

    @property
    def ratio_to_ceiling(self) -> float:
        return self.production.per_second / self.hash_ceiling

    def targets(self) -> list[Target]:
        fast, production = self.fast, self.production
        return [
            Target(
                f"fast hasher: ≥ {MIN_RATIO_TO_BARE}× the bare view's throughput",
                self.ratio_to_bare >= MIN_RATIO_TO_BARE,
                f"{self.ratio_to_bare:.2f}×",
            ),
            Target(
                f"fast hasher: ≥ {MIN_FAST_PER_SECOND:.0f} registrations/s",
                fast.per_second >= MIN_FAST_PER_SECOND,
                f"{fast.per_second:.1f}/s ({fast.per_second / MIN_FAST_PER_SECOND:.2f}×)",
            ),
            Target(
                f"fast hasher: p99 ≤ {MAX_FAST_P99_MS:.0f} ms",
                fast.p99_ms <= MAX_FAST_P99_MS,
                f"{fast.p99_ms:.1f} ms",
            ),
            Target(
                f"production hasher: ≥ {MIN_RATIO_TO_HASH_CEILING}× workers ÷ median hash time",
                self.ratio_to_ceiling >= MIN_RATIO_TO_HASH_CEILING,
                f"{production.per_second:.2f}/s of {self.hash_ceiling:.2f}/s: "
                f"{self.ratio_to_ceiling:.2f}×",
            ),
            Target(
                "correctness, fast hasher: created = 2xx = queued, no 5xx",
                self.fast_correctness.exact,
                "exact" if self.fast_correctness.exact else "NOT exact",
            ),
            Target(
                "correctness, production hasher: created = 2xx = queued, no 5xx",
                self.production_correctness.exact,
                "exact" if self.production_correctness.exact else "NOT exact",
            ),
        ]

    def table(self) -> str:
        plan = self.plan
        lines = [
            f"Registration through the API: gunicorn {plan.workers} sync workers, "
            f"{plan.clients} clients, PostgreSQL; {os.cpu_count()} cores, load average "
            f"{self.load_average:.2f} before the run"
            + (" (busy: figures will be low)" if self.load_average > BUSY_LOAD_AVERAGE else ""),
            f"{'':<36}{'requests':>10}{'per second':>12}{'p50 ms':>10}{'p99 ms':>10}",
            self.bare.row(),
            self.fast.row(),
            self.production.row(),
            f"hash ({self.hasher}): median {1000 * self.hash_median:.0f} ms of "
            f"{len(self.hash_seconds)}; ceiling {plan.workers} ÷ {self.hash_median:.3f} s "
            f"= {self.hash_ceiling:.2f}/s",
            self.bare.cpu_row(),
            self.fast.cpu_row(),
            self.production.cpu_row(),
            f"fast hasher:       {self.fast_correctness.describe()}",
            f"production hasher: {self.production_correctness.describe()}",
            "",
            *(target.row() for target in self.targets()),
        ]
        return "\n".join(lines)

    def _cpu_measurements(self) -> Measurements:
        """CPU ms per request of gunicorn and PostgreSQL, and of other processes (noise)."""
        measured = {}
        for phase in (self.bare, self.fast, self.production):
            spent = phase.cpu_ms()
            if spent is not None:
                measured[f"{phase.key}_cpu_ms"] = spent["server"] + spent["database"]
                measured[f"{phase.key}_other_cpu_ms"] = spent["other"]
        return measured

    def measurements(self) -> Measurements:
        targets = self.targets()
        return {
            "bare_per_second": self.bare.per_second,
            "bare_p50_ms": self.bare.p50_ms,
            "bare_p99_ms": self.bare.p99_ms,
            "fast_per_second": self.fast.per_second,
            "fast_p50_ms": self.fast.p50_ms,
            "fast_p99_ms": self.fast.p99_ms,
            "fast_to_bare": self.ratio_to_bare,
            "hash_median_ms": 1000 * self.hash_median,
            "hash_ceiling_per_second": self.hash_ceiling,
            "production_per_second": self.production.per_second,
            "production_p50_ms": self.production.p50_ms,
            "production_p99_ms": self.production.p99_ms,
            "production_to_ceiling": self.ratio_to_ceiling,
            **self._cpu_measurements(),
            "server_errors": float(
                self.fast_correctness.server_errors + self.production_correctness.server_errors
            ),
            "targets_passed": float(sum(target.passed for target in targets)),
            "targets": float(len(targets)),
        }


def registration_run(plan: Plan) -> Report:
    """Run the three phases on fresh services; see the module's docstring."""
    services_reset(plan.services)
    # Connections that live through the whole run (production reopens them every minute,
    # which costs nothing measurable) keep their backends' CPU time readable in /proc.
    environment = {**server_environment(plan.services), "DATABASE_CONN_MAX_AGE": "600"}
    database_migrate(environment)
    identities = _Identities()
    report = Report(
        plan=plan,
        bare=Phase("bare", "bare view (baseline)"),
        fast=Phase("fast", "registration, fast hasher"),
        production=Phase("production", "registration, production hasher"),
        fast_correctness=Correctness(),
        production_correctness=Correctness(),
    )
    with gunicorn_server(
        environment={**environment, "BENCH_PASSWORD_HASHER": "fast"},
        workers=plan.workers,
        log_path=LOG_DIR / f"{plan.services.database}-fast.log",
    ) as server:
        _warm_up(server, plan, identities.batch(BARE_PATH, plan.warmup_requests))
        _warm_up(server, plan, identities.batch(REGISTRATION_PATH, plan.warmup_requests))
        for _round in range(plan.rounds):
            bare = identities.batch(BARE_PATH, plan.bare_requests)
            _measure(server, plan, bare, report.bare)
            fast = identities.batch(REGISTRATION_PATH, plan.fast_requests)
            _measure(server, plan, fast, report.fast, report.fast_correctness)
    with gunicorn_server(
        environment={**environment, "BENCH_PASSWORD_HASHER": "production"},
        workers=plan.workers,
        log_path=LOG_DIR / f"{plan.services.database}-production.log",
    ) as server:
        # Measured while the server is idle: one hash on one core, nothing else running.
        report.hasher, report.hash_seconds = _hash_seconds(server, plan.hash_samples)
        _warm_up(server, plan, identities.batch(REGISTRATION_PATH, plan.production_warmup_requests))
        size = plan.production_size(report.hash_ceiling)
        production = identities.batch(REGISTRATION_PATH, size)
        _measure(server, plan, production, report.production, report.production_correctness)
    return report


def default_services() -> Services:
    """BENCH_POSTGRES_URL (a server, no database) and BENCH_REDIS_URL (its own db number)."""
    return Services(
        postgres_url=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432"),
        database="kyc_bench",
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
    )


@benchmark("registration")
def registration_benchmark() -> Measurements:
    report = registration_run(Plan(services=default_services()))
    print(report.table())
    return report.measurements()

"""Timing the review queue: pages and claim-next, several clients at once, and the plans.

Each client is a process of its own (forked: its own database connection and its own
interpreter, as web workers have) acting as a reviewer of its own. The clients warm up,
wait for each other, then make their requests one after the other; the clock runs around
the service call only.
"""

import contextlib
import multiprocessing
import os
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from customers.enums import Channel, CustomerKind
from kyc_portal.accounts.models import User
from risk.enums import RiskLevel
from verification.selectors import ANY, QueueCursor, QueueFilters, review_queue_page
from verification.services import case_claim_next, case_release

from .seed import People, cases_seed, people_create, queue_counts, tables_analyze

FILTERED = QueueFilters(risk_level=RiskLevel.HIGH, channel=Channel.STORE)
DEEP_PAGE = 1000
# Any partial index of the queue (case_queue_open, or one led by a filter's column).
QUEUE_INDEXES = "case_queue_"

# The targets of the requirement.
MAX_GROWTH = 1.3  # p99 at the largest size ÷ p99 at the smallest
MAX_P99_MS = 50.0
MAX_DEEP_TO_FIRST = 1.5  # the deep page ÷ the first, at p50 and at p99

# A piece of work returns the seconds of its measured part.
Work = Callable[[User], float]


def _percentile_ms(seconds: list[float], percent: float) -> float:
    ordered = sorted(seconds)
    position = (len(ordered) - 1) * percent / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return 1000 * (ordered[low] + (ordered[high] - ordered[low]) * (position - low))


@dataclass
class Latencies:
    """Seconds per request, from every client, round by round."""

    rounds: list[list[float]] = field(default_factory=list)

    @property
    def seconds(self) -> list[float]:
        return [value for found in self.rounds for value in found]

    @property
    def p50_ms(self) -> float:
        return _percentile_ms(self.seconds, 50)

    @property
    def p99_ms(self) -> float:
        """The p99 of every request."""
        return _percentile_ms(self.seconds, 99)

    @property
    def round_p99_ms(self) -> float:
        """The median of the rounds' p99s: a burst of outside load spoils one round's p99,
        not this figure. The targets use it; the table shows both."""
        return statistics.median(_percentile_ms(found, 99) for found in self.rounds)


def _client(work: Work, reviewer: User, warmup: int, samples: int, barrier, results) -> None:
    for _ in range(warmup):
        work(reviewer)
    barrier.wait()
    results.put([work(reviewer) for _ in range(samples)])
    connections.close_all()


def clients_run(work: Work, *, reviewers: list[User], samples: int, warmup: int) -> list[float]:
    """``work(reviewer)`` ``samples`` times in each of len(reviewers) processes at once."""
    context = multiprocessing.get_context("fork")
    # A forked child must not use its parent's connection: each opens its own.
    connections.close_all()
    barrier = context.Barrier(len(reviewers))
    results = context.Queue()
    processes = [
        context.Process(target=_client, args=(work, reviewer, warmup, samples, barrier, results))
        for reviewer in reviewers
    ]
    for process in processes:
        process.start()
    seconds: list[float] = []
    for _ in processes:
        seconds.extend(results.get())
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"A benchmark client exited with status {process.exitcode}.")
    return seconds


def _shown_name(case) -> str:
    """The name the queue shows for a case (decrypted, then masked by the template)."""
    profile = case.customer.profile
    return (
        profile.full_name if case.customer_kind == CustomerKind.INDIVIDUAL else profile.legal_name
    )


def page_work(
    *, filters: QueueFilters = ANY, after: QueueCursor | None = None, names: bool = False
) -> Work:
    """One page of the queue (``names``: with the customers' names decrypted)."""

    def work(reviewer: User) -> float:
        started = time.perf_counter()
        page = review_queue_page(reviewer=reviewer, filters=filters, after=after)
        if names:
            for case in page.cases:
                _shown_name(case)
        return time.perf_counter() - started

    return work


def claim_work(reviewer: User) -> float:
    """Claim the next case, then put it back (not timed), so that the queue keeps its size."""
    started = time.perf_counter()
    case = case_claim_next(reviewer=reviewer)
    elapsed = time.perf_counter() - started
    if case is None:
        raise RuntimeError("The queue is empty: nothing to claim.")
    case_release(case_id=case.pk, actor=reviewer)
    return elapsed


def page_cursor(
    *, reviewer: User, page: int, filters: QueueFilters = ANY
) -> tuple[int, QueueCursor | None]:
    """(page reached, the cursor that opens it), walking from the first page; the last
    page when the queue has fewer than ``page``."""
    cursor = None
    reached = 1
    while reached < page:
        following = review_queue_page(reviewer=reviewer, filters=filters, after=cursor)
        if following.next_cursor is None:
            break
        cursor = following.next_cursor
        reached += 1
    return reached, cursor


# -- plans -------------------------------------------------------------------------------

_SORT_NODE = re.compile(r"^\s*(?:->\s*)?(?:Incremental )?Sort\b", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    label: str
    queries: int  # database queries the call made
    text: str  # EXPLAIN (ANALYZE, BUFFERS) of the queue's SELECT

    @property
    def uses_queue_index(self) -> bool:
        return f"using {QUEUE_INDEXES}" in self.text

    @property
    def sorts(self) -> bool:
        return _SORT_NODE.search(self.text) is not None

    @property
    def rows_filtered(self) -> int:
        """Rows the scan of the queue's index read and then threw away."""
        lines = self.text.splitlines()
        for number, line in enumerate(lines):
            if f"using {QUEUE_INDEXES}" not in line:
                continue
            depth = len(line) - len(line.lstrip())
            # The node's own details are indented deeper and are not nodes ("->").
            for detail in lines[number + 1 :]:
                stripped = detail.lstrip()
                if len(detail) - len(stripped) <= depth or stripped.startswith("->"):
                    break
                if stripped.startswith("Rows Removed by Filter:"):
                    return int(stripped.rpartition(":")[2])
            return 0
        return 0

    def summary(self) -> str:
        index = "reads" if self.uses_queue_index else "does NOT read"
        return (
            f"{self.label}: {self.queries} queries; {index} a queue index ({QUEUE_INDEXES}*), "
            f"{'a Sort' if self.sorts else 'no Sort'}, "
            f"{self.rows_filtered:,} index rows read and filtered out"
        )


def _explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _queue_select(queries: list[dict]) -> str:
    for query in queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and 'FROM "verification_case"' in sql and "LIMIT" in sql:
            return sql
    raise RuntimeError("The queue's SELECT is not among the captured queries.")


def page_plan(
    label: str, *, reviewer: User, filters: QueueFilters = ANY, after: QueueCursor | None = None
) -> Plan:
    with CaptureQueriesContext(connection) as captured:
        review_queue_page(reviewer=reviewer, filters=filters, after=after)
    queries = captured.captured_queries
    return Plan(label, len(queries), _explain(_queue_select(queries)))


def claim_plan(label: str, *, reviewer: User) -> Plan:
    """Claim-next's locking SELECT, explained in a transaction that is rolled back."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            case_claim_next(reviewer=reviewer)
        queries = captured.captured_queries
        text = _explain(_queue_select(queries))
        transaction.set_rollback(True)
    return Plan(label, len(queries), text)


# -- the sizes, measured in turns -----------------------------------------------------------


@dataclass
class Tier:
    """One size of the queue, in a database of its own."""

    database: str
    people: People
    cases: int = 0
    waiting: int = 0
    deep_page: int = 0
    works: dict[str, Work] = field(default_factory=dict)
    latencies: dict[str, Latencies] = field(default_factory=dict)
    plans: list[Plan] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # load average at each round

    @property
    def clients(self) -> int:
        return len(self.people.clients)


OPERATIONS = (
    ("first", "first page"),
    ("filtered", "first page, high risk + in store"),
    ("deep", "deep page"),
    ("names", "first page + names decrypted"),
    ("claim", "claim next"),
)


@contextlib.contextmanager
def database_named(name: str) -> Iterator[None]:
    """Point the default connection (and the clients forked inside) at database ``name``.

    The way Django's test runner switches to the test database: new connections read
    the name from the settings dictionary.
    """
    connections.close_all()
    previous = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict["NAME"] = previous


def tier_prepare(tier: Tier) -> Tier:
    """Count the queue, find the deep page, explain the queries, set up the work."""
    counts = queue_counts()
    reviewer = tier.people.clients[0]
    tier.deep_page, deep_cursor = page_cursor(reviewer=reviewer, page=DEEP_PAGE)
    tier.cases, tier.waiting = counts["cases"], counts["waiting"]
    tier.plans = [
        page_plan("first page", reviewer=reviewer),
        page_plan("first page, filtered", reviewer=reviewer, filters=FILTERED),
        page_plan(f"page {tier.deep_page}", reviewer=reviewer, after=deep_cursor),
        claim_plan("claim next", reviewer=reviewer),
    ]
    tier.works = {
        "first": page_work(),
        "filtered": page_work(filters=FILTERED),
        "deep": page_work(after=deep_cursor),
        "names": page_work(names=True),
        "claim": claim_work,
    }
    tier.latencies = {key: Latencies() for key in tier.works}
    return tier


def tier_round(tier: Tier, *, samples: int, warmup: int) -> None:
    """Every operation once more, ``samples`` requests per client."""
    tier.loads.append(os.getloadavg()[0])
    for key, work in tier.works.items():
        tier.latencies[key].rounds.append(
            clients_run(work, reviewers=tier.people.clients, samples=samples, warmup=warmup)
        )


def tier_measure(*, people: People, samples: int, warmup: int) -> Tier:
    """One size, the one in the current database, in one round."""
    tier = tier_prepare(Tier(database=connection.settings_dict["NAME"], people=people))
    tier_round(tier, samples=samples, warmup=warmup)
    return tier


def _database_create(name: str, *, template: str) -> None:
    """A copy of ``template`` (freshly migrated and empty) named ``name``."""
    import psycopg2

    settings = connection.settings_dict
    server = psycopg2.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
    )
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        server.close()


def tiers_run(*, sizes: list[int], samples: int, warmup: int, rounds: int, log=print) -> list[Tier]:
    """Seed each size into its own copy of this (migrated, empty) database, then measure
    the sizes in turns, ``rounds`` times, so that every size meets the same load from
    whatever else runs on the machine. ``samples`` per client and operation in all."""
    template = connection.settings_dict["NAME"]
    connections.close_all()
    tiers = []
    for size in sizes:
        database = f"{template}_{size}"
        _database_create(database, template=template)
        with database_named(database):
            started = time.perf_counter()
            people = people_create()
            cases_seed(people=people, first=0, count=size)
            tables_analyze()
            log(f"seeded {size:,} cases into {database} in {time.perf_counter() - started:.0f} s")
            tiers.append(tier_prepare(Tier(database=database, people=people)))
    for _round in range(rounds):
        for tier in tiers:
            with database_named(tier.database):
                tier_round(tier, samples=samples // rounds, warmup=warmup)
    return tiers


@dataclass(frozen=True)
class Target:
    label: str
    passed: bool
    shown: str

    def row(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.label:<76}{self.shown}"


def targets(tiers: list[Tier]) -> list[Target]:
    small, large = tiers[0], tiers[-1]
    found = []
    if large is not small:
        for key, label in OPERATIONS:
            if key == "deep":
                continue  # a different page at each size
            ratio = large.latencies[key].round_p99_ms / small.latencies[key].round_p99_ms
            found.append(
                Target(
                    f"{label}: p99 at {large.cases:,} ≤ {MAX_GROWTH}× p99 at {small.cases:,}",
                    ratio <= MAX_GROWTH,
                    f"{ratio:.2f}×",
                )
            )
    for tier in tiers:
        worst_key, worst = max(
            ((key, tier.latencies[key].round_p99_ms) for key, _label in OPERATIONS),
            key=lambda kv: kv[1],
        )
        found.append(
            Target(
                f"{tier.cases:,} cases: every p99 ≤ {MAX_P99_MS:.0f} ms at {tier.clients} clients",
                worst <= MAX_P99_MS,
                f"worst {worst:.1f} ms ({worst_key})",
            )
        )
    # Both the median and the p99: a tail of pauses in the first page's p99 (the clients'
    # garbage collection) must not hide a deep page that is slower every time.
    deep, first = large.latencies["deep"], large.latencies["first"]
    ratios = (deep.p50_ms / first.p50_ms, deep.round_p99_ms / first.round_p99_ms)
    found.append(
        Target(
            f"{large.cases:,} cases: page {large.deep_page} ≤ {MAX_DEEP_TO_FIRST}× first page "
            "(p50, p99)",
            max(ratios) <= MAX_DEEP_TO_FIRST,
            f"{ratios[0]:.2f}×, {ratios[1]:.2f}×",
        )
    )
    for plan in large.plans:
        found.append(
            Target(
                f"{large.cases:,} cases, {plan.label}: a {QUEUE_INDEXES}* index, no Sort",
                plan.uses_queue_index and not plan.sorts,
                f"{plan.rows_filtered:,} rows filtered out",
            )
        )
    return found


def table(tiers: list[Tier]) -> str:
    clients = tiers[0].clients
    samples = len(tiers[0].latencies["first"].seconds) // clients
    head = "".join(f"{f'{tier.cases:,} cases':>27}" for tier in tiers)
    lines = [
        f"Review queue on PostgreSQL: {clients} clients at once (processes), {samples} "
        f"requests each per operation and size, in {len(tiers[0].loads)} rounds taking "
        f"the sizes in turns; 50 rows a page",
        f"{'':<34}{head}",
        "milliseconds; p99 rnd: the median of the rounds' p99s (the targets use it); p99 "
        "all: the p99 of every request",
        f"{'':<34}" + f"{'p50':>9}{'p99 rnd':>9}{'p99 all':>9}" * len(tiers),
    ]
    for key, label in OPERATIONS:
        if key == "deep":
            label = "deep page (" + ", ".join(str(tier.deep_page) for tier in tiers) + ")"
        cells = "".join(
            f"{tier.latencies[key].p50_ms:>9.1f}{tier.latencies[key].round_p99_ms:>9.1f}"
            f"{tier.latencies[key].p99_ms:>9.1f}"
            for tier in tiers
        )
        lines.append(f"{label:<34}{cells}")
    for tier in tiers:
        lines.append(
            f"{tier.cases:,} cases ({tier.database}): {tier.waiting:,} waiting unclaimed; "
            f"load average {min(tier.loads):.1f} to {max(tier.loads):.1f} at the "
            f"{len(tier.loads)} rounds"
        )
        lines.extend(f"  {plan.summary()}" for plan in tier.plans)
    lines.append("")
    lines.extend(target.row() for target in targets(tiers))
    return "\n".join(lines)


def plans_text(tier: Tier) -> str:
    return "\n\n".join(
        f"EXPLAIN (ANALYZE, BUFFERS), {plan.label}, {tier.cases:,} cases:\n{plan.text}"
        for plan in tier.plans
    )


def measurements(tiers: list[Tier]) -> dict[str, float]:
    found = targets(tiers)
    values: dict[str, float] = {}
    for tier in tiers:
        for key, _label in OPERATIONS:
            values[f"{key}_{tier.cases}_p50_ms"] = tier.latencies[key].p50_ms
            values[f"{key}_{tier.cases}_p99_ms"] = tier.latencies[key].round_p99_ms
            values[f"{key}_{tier.cases}_p99_all_ms"] = tier.latencies[key].p99_ms
    values["targets_passed"] = float(sum(target.passed for target in found))
    values["targets"] = float(len(found))
    return values

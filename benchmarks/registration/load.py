"""A closed-loop load generator: N clients, each sending its next request once answered.

Each client is a thread with its own http.client connection; it reconnects whenever the
server closes the connection (gunicorn's sync workers close after every response), so
the time to connect is part of each latency, as it is for a real client of such a
server. Requests are built beforehand: the clock only runs around the HTTP exchange.
"""

import http.client
import itertools
import statistics
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .payloads import Request

# A status for a request that got no HTTP answer at all (refused, reset, timed out).
NO_RESPONSE = 0
# How much of the first unexpected answer is kept, to say what went wrong.
SAMPLE_CHARS = 300


@dataclass
class LoadResult:
    """What one load run saw: one (status, seconds) pair per request, and the wall time."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    # The first answer that was not 2xx: status and the start of its body.
    first_failure: str = ""

    @property
    def count(self) -> int:
        return len(self.statuses)

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, percent: int) -> float:
        """The latency under which ``percent`` % of the requests finished, in ms."""
        if len(self.latencies) < 2:
            return 1000 * (self.latencies[0] if self.latencies else 0.0)
        cut_points = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return 1000 * cut_points[percent - 1]

    def status_counts(self) -> Counter:
        return Counter(self.statuses)

    def count_class(self, hundreds: int) -> int:
        """Responses whose status is in the ``hundreds`` class (2 for 2xx, 5 for 5xx)."""
        return sum(1 for status in self.statuses if status // 100 == hundreds)


def _client(
    *,
    host: str,
    port: int,
    requests: Sequence[Request],
    next_index: itertools.count,
    start: threading.Barrier,
    timeout: float,
    record: list[tuple[int, float]],
    failures: list[str],
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    start.wait()
    try:
        for index in next_index:
            if index >= len(requests):
                return
            request = requests[index]
            began = time.perf_counter()
            try:
                connection.request("POST", request.path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status, body = NO_RESPONSE, type(error).__name__.encode()
            record.append((status, time.perf_counter() - began))
            if status // 100 != 2 and not failures:
                failures.append(f"{status} {body[:SAMPLE_CHARS].decode(errors='replace')}")
    finally:
        connection.close()


def load_run(
    *, host: str, port: int, requests: Sequence[Request], clients: int, timeout: float = 60.0
) -> LoadResult:
    """Send every request once, ``clients`` at a time; returns statuses and latencies."""
    next_index = itertools.count()  # next() on a count is atomic under the GIL
    start = threading.Barrier(clients + 1)
    records: list[list[tuple[int, float]]] = [[] for _ in range(clients)]
    failures: list[str] = []
    threads = [
        threading.Thread(
            target=_client,
            kwargs={
                "host": host,
                "port": port,
                "requests": requests,
                "next_index": next_index,
                "start": start,
                "timeout": timeout,
                "record": record,
                "failures": failures,
            },
            daemon=True,
        )
        for record in records
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result = LoadResult(
        elapsed=time.perf_counter() - began, first_failure=failures[0] if failures else ""
    )
    for record in records:
        for status, seconds in record:
            result.statuses.append(status)
            result.latencies.append(seconds)
    return result


def load_merge(results: Sequence[LoadResult]) -> LoadResult:
    """Several runs as one: all their requests, their wall times added."""
    merged = LoadResult()
    for result in results:
        merged.statuses += result.statuses
        merged.latencies += result.latencies
        merged.elapsed += result.elapsed
        merged.first_failure = merged.first_failure or result.first_failure
    return merged

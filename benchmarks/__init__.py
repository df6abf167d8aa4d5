"""Benchmarks of the portal's hot paths, run with `make bench` (`python -m benchmarks`).

A benchmark is a function registered with `@benchmark("name")`; it returns a mapping of
measurements (e.g. {"per_second": 1234.5}). Results are recorded in docs/benchmarks.md.
"""

from collections.abc import Callable

Measurements = dict[str, float]
REGISTRY: dict[str, Callable[[], Measurements]] = {}


def benchmark(name: str) -> Callable[[Callable[[], Measurements]], Callable[[], Measurements]]:
    def register(function: Callable[[], Measurements]) -> Callable[[], Measurements]:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = function
        return function

    return register

"""`python -m benchmarks [name …]`: run the registered benchmarks (all by default)."""

import argparse
import importlib
import pkgutil
import sys
import time

import benchmarks


def discover() -> None:
    """Import every module of the package, so that their @benchmark functions register."""
    for module in pkgutil.iter_modules(benchmarks.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"benchmarks.{module.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the KYC Portal benchmarks.")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--list", action="store_true", help="only list the benchmarks")
    arguments = parser.parse_args(argv)
    discover()
    registered = sorted(benchmarks.REGISTRY)
    if not registered:
        print("No benchmark is registered yet; see docs/benchmarks.md.")
        return 0
    if arguments.list:
        print("\n".join(registered))
        return 0
    unknown = sorted(set(arguments.names) - set(registered))
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(registered)}")
        return 2
    for name in arguments.names or registered:
        started = time.perf_counter()
        measurements = benchmarks.REGISTRY[name]()
        elapsed = time.perf_counter() - started
        shown = ", ".join(f"{key}={value:,.2f}" for key, value in measurements.items())
        print(f"{name}: {shown} ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

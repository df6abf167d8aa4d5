"""Where the CPU time of a load run went: gunicorn, PostgreSQL, the load generator, all.

On a machine this small every process competes for the same cores, so CPU milliseconds
per request explain the throughput better than wall time does. Read from /proc (Linux);
elsewhere every figure is None.
"""

import os
import resource
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
# Titles end so ("postgres: 15/main: walwriter"); they work for every database.
_SHARED_POSTGRES_PROCESSES = ("walwriter", "checkpointer", "background writer")


def _ticks_per_second() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2 :].split()


def _process_seconds(pid: int) -> float:
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / _ticks_per_second()


def _pids() -> list[int]:
    return [int(entry.name) for entry in PROC.iterdir() if entry.name.isdigit()]


def _tree_seconds(root: int) -> float:
    """CPU seconds of ``root`` and its children (gunicorn's master and workers)."""
    total = _process_seconds(root)
    for pid in _pids():
        fields = _stat_fields(pid)
        if fields is not None and int(fields[1]) == root:
            total += _process_seconds(pid)
    return total


def _database_seconds(database: str) -> float:
    """CPU seconds of the PostgreSQL backends serving ``database`` and of the server's
    shared writers; other databases' backends (other people's tests) are left out."""
    total = 0.0
    for pid in _pids():
        try:
            title = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if not title.startswith("postgres: "):
            continue
        words = title.split()
        if database in words or title.strip().endswith(_SHARED_POSTGRES_PROCESSES):
            total += _process_seconds(pid)
    return total


def _machine_seconds() -> float:
    """CPU seconds spent by every core in anything but idle and I/O wait."""
    fields = (PROC / "stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in fields]
    idle = ticks[3] + ticks[4]
    return (sum(ticks[:8]) - idle) / _ticks_per_second()


def _own_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSample:
    server: float
    database: float
    load_generator: float
    machine: float

    @classmethod
    def take(cls, *, server_pid: int, database: str) -> "CpuSample | None":
        if not (PROC / "stat").exists():
            return None
        return cls(
            server=_tree_seconds(server_pid),
            database=_database_seconds(database),
            load_generator=_own_seconds(),
            machine=_machine_seconds(),
        )

    def __sub__(self, other: "CpuSample") -> "CpuSample":
        return CpuSample(
            server=self.server - other.server,
            database=self.database - other.database,
            load_generator=self.load_generator - other.load_generator,
            machine=self.machine - other.machine,
        )

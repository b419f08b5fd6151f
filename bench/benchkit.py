"""What the benchmarks here share: the scratch PostgreSQL database, the line that names the machine, and
latency percentiles. A benchmark is run as ``.venv/bin/python bench/<name>.py``, which puts ``bench/`` on the
path, so each imports this module as ``benchkit``; nothing here touches Django until ``machine()`` is called."""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

# The PostgreSQL settings a benchmark's report names unless it asks for others.
PG_SETTINGS = ("shared_buffers", "synchronous_commit", "max_connections")


def ensure_database(url: str, *, sqlite_ok: bool = False) -> str | None:
    """Create the scratch PostgreSQL database of ``url`` if it does not exist; its name must start with
    ``zg_bench`` so that a benchmark never writes to a real one. With ``sqlite_ok`` a non-PostgreSQL URL is
    let through (returns None)."""
    if not url.startswith("postgres"):
        if sqlite_ok:
            return None
        raise SystemExit("a scratch PostgreSQL database named zg_bench_…, please")
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    if not name.startswith("zg_bench"):
        raise SystemExit("a scratch PostgreSQL database named zg_bench_…, please")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return name


def proc_field(path: str, key: str) -> str:
    """A field of /proc/cpuinfo or /proc/meminfo, "?" where there is none."""
    try:
        text = Path(path).read_text()
    except OSError:
        return "?"
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(key)), "?")


def machine(settings: tuple[str, ...] = PG_SETTINGS) -> str:
    """CPU, cores, memory, the database's version (with the named PostgreSQL ``settings``), Python and Django."""
    import django
    from django.db import connection

    cpu = proc_field("/proc/cpuinfo", "model name")
    mem = proc_field("/proc/meminfo", "MemTotal")
    mem = f"{int(mem.split()[0]) / 1024 / 1024:.0f} GB" if mem != "?" else mem
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT version()")
            db = cursor.fetchone()[0].split(",")[0]
            if settings:
                cursor.execute(
                    "SELECT string_agg(name || '=' || setting || COALESCE(unit, ''), ', ' ORDER BY name) "
                    "FROM pg_settings WHERE name = ANY(%s)",
                    [list(settings)],
                )
                db += f" ({cursor.fetchone()[0]})"
    return (
        f"{cpu}, {os.cpu_count()} cores, {mem} RAM; {db}; Python {platform.python_version()}, "
        f"Django {django.get_version()}"
    )


def ms(values: list[float]) -> str:
    """p50 / p95 / p99 / max in milliseconds."""
    if len(values) < 2:
        return "—"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return " / ".join(f"{x * 1000:.0f}" for x in (cuts[49], cuts[94], cuts[98], max(values)))

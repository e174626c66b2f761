"""Small helpers shared by the benchmarks: timing, peak memory in a child process, reporting."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(median, best) wall time in seconds of ``fn`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def in_child(code: str) -> dict:
    """Run Python ``code`` in a fresh process; it prints one JSON line, returned with its peak RSS (MB)."""
    wrapper = (
        "import json, resource\n" + code +
        "\nprint(json.dumps({**result, 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  PASS" if ok else "  MISS")
    print(f"  {label:<58} {value:>18}  {target}{mark}", flush=True)

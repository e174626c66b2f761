"""Small helpers shared by the benchmarks: timing, a child process's own peak memory, CPU time, reporting.

Peak memory is a process's own high-water mark, ``VmHWM`` in ``/proc/<pid>/status``, read by the process just
before it exits. Not ``ru_maxrss``: on Linux a child's ``ru_maxrss`` keeps the high-water mark of the image it
replaced at ``exec`` (the forked copy of this benchmark process, which grows as the benchmarks run), and
``RUSAGE_CHILDREN`` is the largest of all children so far (issue 13).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PEAK_MB = (
    "def _peak_mb():\n"
    "    with open('/proc/self/status') as status:\n"
    "        for line in status:\n"
    "            if line.startswith('VmHWM:'):\n"
    "                return int(line.split()[1]) / 1024\n"
    "    return float('nan')\n"
)

# Runs a command (a script file, as its console script, or `-c CODE`) in this interpreter and, at exit (also
# through SystemExit), writes its own VmHWM to the file named first. Imports nothing the command would not.
LAUNCHER = PEAK_MB + (
    "import atexit, sys\n"
    "def _report(path=sys.argv[1]):\n"
    "    with open(path, 'w') as out:\n"
    "        out.write(repr(_peak_mb()))\n"
    "atexit.register(_report)\n"
    "_kind, _target, *_rest = sys.argv[2:]\n"
    "if _kind == '-c':\n"
    "    sys.argv = ['-c', *_rest]\n"
    "    exec(compile(_target, '<string>', 'exec'), {'__name__': '__main__'})\n"
    "else:\n"
    "    import runpy\n"
    "    sys.argv = [_target, *_rest]\n"
    "    runpy.run_path(_target, run_name='__main__')\n"
)


@dataclass
class Run:
    """One child process: wall time, its own CPU time (user + system) and its own peak memory."""

    wall: float
    cpu: float
    peak_mb: float


def run_measured(command: Sequence[str], cwd: Path = ROOT) -> Run:
    """Run ``command`` (``["-c", code, *args]`` or ``[script, *args]``, a Python script such as a console script)
    in a fresh interpreter through the launcher; output is discarded, a failure raises with its stderr."""
    with tempfile.TemporaryDirectory(prefix="impactlab-bench-") as folder:
        peak_file, err_file = Path(folder) / "peak", Path(folder) / "stderr"
        kind = ["-c"] if command[0] == "-c" else ["script"]
        rest = list(command[1:]) if command[0] == "-c" else list(command)
        with err_file.open("w") as err:
            started = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(peak_file), *kind, *rest], cwd=cwd,
                                     stdout=subprocess.DEVNULL, stderr=err)
            _, status, usage = os.wait4(child.pid, 0)  # the child's own CPU time (not inherited from this one)
            wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command)[:200]}: exit {child.returncode}\n{err_file.read_text()[-2000:]}")
        return Run(wall, usage.ru_utime + usage.ru_stime, float(peak_file.read_text()))


def best_of(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(median, best) wall time in seconds of ``fn`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and all its threads so far."""
    times = os.times()
    return times.user + times.system


def in_child(code: str) -> dict:
    """Run Python ``code`` (which sets ``result``, a dict) in a fresh process; returned with the process's own peak
    memory (``peak_mb``, VmHWM read just before it exits)."""
    wrapper = "import json\n" + code + "\n" + PEAK_MB + "print(json.dumps({**result, 'peak_mb': _peak_mb()}))"
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def report(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
    mark = "" if ok is None else ("  PASS" if ok else "  MISS")
    print(f"  {label:<58} {value:>18}  {target}{mark}", flush=True)

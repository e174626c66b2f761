"""The command line pays only for what it uses (issue 13): `impactlab --help`, `impactlab value` of the example and
`impactlab simulate` of 1M draws, each in a fresh process as a user starts it, beside what they are measured
against in the same run:

* ``--help`` within 2x and ``value examples/buurtcirkels.yaml`` within 2.5x the bare import of numpy, yaml and
  pydantic (``python -c "import numpy, yaml, pydantic"``); the three are run in turn, ``ROUNDS`` times, so that
  a change in the machine's load falls on all three alike;
* ``simulate`` of the 50-outcome benchmark model (bench_valuation), 1M draws, start-up included, within 2x the
  floor: the time NumPy takes to generate the uniforms alone (one thread, in this process).

Every figure is the best of its runs: wall time, with the process's own CPU time (user + system) beside it, and
its own peak memory (VmHWM). The machine may be shared: the load average is printed; the CPU-time ratio is the
one to trust when the load is high.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Run, cpu_seconds, load_average, report, run_measured

ROUNDS = int(os.environ.get("BENCH_CLI_ROUNDS", "5"))
SIM_ROUNDS = int(os.environ.get("BENCH_CLI_SIM_ROUNDS", "3"))
DRAWS = 1_000_000
EXAMPLE = ROOT / "examples" / "buurtcirkels.yaml"
BARE = ["-c", "import numpy, yaml, pydantic"]


def _impactlab() -> list[str]:
    """The console script as installed (what a user runs), else the same entry point through -c."""
    script = Path(sys.executable).parent / "impactlab"
    if script.is_file():
        return [str(script)]
    found = shutil.which("impactlab")
    return [found] if found else ["-c", "from impactlab.cli import main; main()"]


def _best(runs: list[Run]) -> Run:
    return Run(min(r.wall for r in runs), min(r.cpu for r in runs), max(r.peak_mb for r in runs))


def _line(label: str, run: Run, base: Run | None = None, goal: float | None = None) -> None:
    figure = f"{run.wall:.2f} s (CPU {run.cpu:.2f} s)"
    if base is None or goal is None:
        report(label, figure)
        return
    wall, cpu = run.wall / base.wall, run.cpu / base.cpu
    report(label, figure, f"{wall:.1f}x (CPU {cpu:.1f}x), goal <= {goal:g}x", wall <= goal)


def startup_figures() -> None:
    impactlab = _impactlab()
    commands = {"bare": BARE, "help": [*impactlab, "--help"], "value": [*impactlab, "value", str(EXAMPLE)]}
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for command in commands.values():  # once, unmeasured: files into the page cache
        run_measured(command)
    for _ in range(ROUNDS):
        for name, command in commands.items():
            runs[name].append(run_measured(command))
    best = {name: _best(r) for name, r in runs.items()}
    print(f"  best of {ROUNDS}, run in turn; load average {load_average()}, {os.cpu_count()} cores")
    _line("python -c 'import numpy, yaml, pydantic' (the base)", best["bare"])
    _line("impactlab --help", best["help"], best["bare"], 2)
    _line(f"impactlab value {EXAMPLE.relative_to(ROOT)}", best["value"], best["bare"], 2.5)
    report("peak memory (VmHWM): base / --help / value",
           " / ".join(f"{best[n].peak_mb:.0f}" for n in ("bare", "help", "value")) + " MB")


def floor(numbers: int, chunk: int = 1_000_000) -> Run:
    """Wall and CPU time NumPy takes merely to generate ``numbers`` float64 uniforms (one thread, PCG64)."""
    import numpy as np

    rng = np.random.default_rng(0)
    started, cpu = time.perf_counter(), cpu_seconds()
    for _ in range(numbers // chunk):
        rng.random(chunk)
    return Run(time.perf_counter() - started, cpu_seconds() - cpu, float("nan"))


def simulate_figures() -> None:
    from bench.bench_valuation import OUTCOMES, big_model
    from impactlab.model.document import dump_model
    from impactlab.valuation.montecarlo import simulate

    model = big_model()
    uncertain = len(simulate(model, draws=2, seed=1).uncertain_parameters)
    with tempfile.TemporaryDirectory(prefix="impactlab-bench-cli-") as folder:
        path = Path(folder) / "benchmark.yaml"
        path.write_text(dump_model(model), encoding="utf-8")

        def command(draws: int) -> list[str]:
            return [*_impactlab(), "simulate", str(path), "--draws", str(draws), "--seed", "7", "--format", "json"]

        run_measured(command(2))  # the kernels loaded (or compiled and cached) once, unmeasured
        floors, sims, starts = [], [], []
        for _ in range(SIM_ROUNDS):
            floors.append(floor(DRAWS * uncertain))
            sims.append(run_measured(command(DRAWS)))
            starts.append(run_measured(command(2)))
    base, sim, start = _best(floors), _best(sims), _best(starts)
    print(f"  {OUTCOMES}-outcome benchmark model, {uncertain} uncertain parameters; best of {SIM_ROUNDS}, in turn; "
          f"load average {load_average()}")
    _line(f"floor: NumPy, {DRAWS * uncertain / 1e6:.0f}M uniforms (1 thread, in process)", base)
    _line(f"impactlab simulate, {DRAWS:,} draws (start-up included)", sim, base, 2)
    report("peak memory (VmHWM) of that process", f"{sim.peak_mb:.0f} MB")
    _line("  of which start-up: impactlab simulate, 2 draws", start)


def main() -> None:
    startup_figures()
    simulate_figures()


if __name__ == "__main__":
    main()

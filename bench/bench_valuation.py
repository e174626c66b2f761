"""Valuation benchmarks (issue 2): Monte Carlo against the random-number floor, memory, value()."""

from __future__ import annotations

import os

import numpy as np

from bench.common import best_of, in_child, report
from impactlab import simulate, value
from impactlab.model.schema import ImpactModel

OUTCOMES, YEARS = 50, 10


def big_model(outcomes: int = OUTCOMES) -> ImpactModel:
    """50 outcomes over 10 years, every assumption ranged: 6 x 50 = 300 uncertain parameters."""
    rng = np.random.default_rng(42)

    def ranged(base: float, spread: float, upper: float | None = None) -> dict:
        high = base * (1 + spread) if upper is None else min(upper, base * (1 + spread))
        return {"base": base, "low": base * (1 - spread), "high": high}

    return ImpactModel.model_validate({
        "impactlab": 1,
        "programme": {"name": "Benchmark", "price_year": 2025},
        "stakeholders": [{"id": f"s{k}", "name": f"S{k}"} for k in range(5)],
        "inputs": [{"id": "grant", "stakeholder": "s0", "amount": 5_000_000}],
        "outcomes": [{
            "id": f"o{i}", "stakeholder": f"s{i % 5}", "description": f"Outcome {i}",
            "quantity": ranged(float(rng.integers(20, 400)), 0.3),
            "value": ranged(float(rng.uniform(100, 3000)), 0.3),
            "deadweight": ranged(float(rng.uniform(0.1, 0.4)), 0.5, 1.0),
            "displacement": ranged(float(rng.uniform(0.05, 0.2)), 0.5, 1.0),
            "attribution": ranged(float(rng.uniform(0.1, 0.4)), 0.5, 1.0),
            "drop_off": ranged(float(rng.uniform(0.1, 0.5)), 0.5, 1.0),
            "duration": YEARS,
        } for i in range(outcomes)],
    })


def floor_seconds(numbers: int, chunk: int = 1_000_000) -> float:
    """Time NumPy takes merely to generate ``numbers`` float64 uniforms (one thread, PCG64)."""
    rng = np.random.default_rng(0)

    def generate() -> None:
        for _ in range(numbers // chunk):
            rng.random(chunk)

    return best_of(generate, repeat=3)[1]


def main() -> None:
    model = big_model()
    simulate(model, draws=20_000, seed=1)  # compile / load the kernels once
    uncertain = len(simulate(model, draws=2, seed=1).uncertain_parameters)
    draws = 1_000_000
    floor = floor_seconds(draws * uncertain)
    median, best = best_of(lambda: simulate(model, draws=draws, seed=7), repeat=3)
    print(f"  model: {OUTCOMES} outcomes x {YEARS} years, {uncertain} uncertain parameters, {os.cpu_count()} cores")
    report(f"NumPy floor: {draws * uncertain / 1e6:.0f}M uniforms (1 thread)", f"{floor:.3f} s")
    report(f"simulate {draws:,} draws (best / median of 3)", f"{best:.3f} / {median:.3f} s",
           f"ratio to floor {best / floor:.2f} (target <= 2)", best / floor <= 2)

    result = simulate(model, draws=draws, seed=7)
    ratio = result.sroi_ratio
    report("SROI ratio P5 / P50 / P95", f"{ratio.p5:.4f} / {ratio.p50:.4f} / {ratio.p95:.4f}")
    report("MC standard error of P5 / P50 / P95", f"{ratio.p5_se:.5f} / {ratio.p50_se:.5f} / {ratio.p95_se:.5f}")
    report("MC standard error of the mean ratio", f"{ratio.mean_se:.6f}")

    child = in_child(
        "from bench.bench_valuation import big_model\nfrom impactlab import simulate\n"
        "r = simulate(big_model(), draws=10_000_000, seed=7)\nresult = {'p50': r.sroi_ratio.p50}"
    )
    report("peak memory (VmHWM) of a process simulating 10M draws", f"{child['peak_mb']:.0f} MB", "target < 1024 MB",
           child["peak_mb"] < 1024)

    value(model)
    median_value, best_value = best_of(lambda: value(model), repeat=21)
    report("value() of the model, in process (median / best of 21)",
           f"{median_value * 1000:.1f} / {best_value * 1000:.1f} ms", "target < 50 ms", median_value < 0.05)

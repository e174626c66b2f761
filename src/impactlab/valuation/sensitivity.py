"""One-way sensitivity (tornado) and break-even values of every numeric assumption."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from impactlab.model.schema import ImpactModel
from impactlab.valuation.compiled import CompiledModel, Parameter, compile_model
from impactlab.valuation.evidence_hook import with_evidence
from impactlab.valuation.kernel import evaluate_block

if TYPE_CHECKING:
    import pandas as pd

GRID = 257
UNBOUNDED_SPAN = 1_000.0
MAX_YEARS = 100
@dataclass
class TornadoBar:
    """The ratio and NPV with one parameter at its low and at its high, the rest at base."""

    parameter: str
    base: float
    low: float
    high: float
    ratio_at_low: float | None
    ratio_at_high: float | None
    npv_at_low: float
    npv_at_high: float
    swing: float


@dataclass
class BreakEven:
    """The value of one assumption at which the SROI ratio is 1 (None: none in its domain)."""

    parameter: str
    base: float
    break_even: float | None
    change: float | None
    note: str


@dataclass
class SensitivityResult:
    base_ratio: float | None
    base_npv: float
    tornado: list[TornadoBar]
    break_even: list[BreakEven]

    def to_dict(self) -> dict:
        return asdict(self)

    def tornado_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(b) for b in self.tornado])

    def break_even_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(b) for b in self.break_even])


class Evaluator:
    """Ratio and NPV of a compiled model for parameter rows that differ from the base values."""

    def __init__(self, compiled: CompiledModel):
        self.compiled = compiled
        self.base = compiled.base_vector()
        self.arrays = compiled.arrays()

    def totals(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Present value and investment of each row."""
        out = np.empty((3, rows.shape[0]))
        block = np.ascontiguousarray(rows.T)
        evaluate_block(block, *self.arrays, self.compiled.first_year, self.compiled.rate_index, out, 0)
        return out[0], out[2]

    def rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pv, investment = self.totals(rows)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(investment > 0, pv / investment, np.nan)
        return ratio, pv - investment

    def varied(self, index: int, values: np.ndarray) -> np.ndarray:
        rows = np.repeat(self.base[None, :], len(values), axis=0)
        rows[:, index] = values
        return rows

    def vary(self, index: int, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.rows(self.varied(index, values))


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def tornado(evaluator: Evaluator) -> list[TornadoBar]:
    """Bars for every parameter with a range, widest swing of the ratio first."""
    bars = []
    for i, param in enumerate(evaluator.compiled.params):
        if not param.uncertain:
            continue
        ratio, npv = evaluator.vary(i, np.array([param.low, param.high]))
        swing = abs(ratio[1] - ratio[0]) if np.all(np.isfinite(ratio)) else abs(npv[1] - npv[0])
        bars.append(TornadoBar(param.name, param.base, param.low, param.high, _finite(ratio[0]),
                               _finite(ratio[1]), float(npv[0]), float(npv[1]), float(swing)))
    return sorted(bars, key=lambda bar: -bar.swing)


def _search_interval(param: Parameter) -> tuple[float, float]:
    upper = param.upper
    if not math.isfinite(upper):
        upper = max(abs(param.base), abs(param.high), 1.0) * UNBOUNDED_SPAN
    return param.lower, upper


def _exact_break_even(evaluator: Evaluator, index: int) -> BreakEven:
    """Present value and investment are affine in this parameter: solve (a + b x) = (c + d x) exactly."""
    param = evaluator.compiled.params[index]
    pv, investment = evaluator.totals(evaluator.varied(index, np.array([0.0, 1.0])))
    a, b = pv[0], pv[1] - pv[0]
    c, d = investment[0], investment[1] - investment[0]
    if b == d:
        return BreakEven(param.name, param.base, None, None, "none in its domain (the ratio does not depend on it)")
    x = (c - a) / (b - d)
    if not (param.lower <= x <= param.upper) or c + d * x <= 0:
        return BreakEven(param.name, param.base, None, None, "none in its domain")
    return BreakEven(param.name, param.base, float(x), float(x - param.base), "ratio = 1 (solved exactly)")


def break_even(evaluator: Evaluator, index: int) -> BreakEven:
    """Where ratio(x) = 1 for parameter ``index`` (others at base): root nearest to the base value.

    A parameter marked ``linear`` by the compiler (quantities, values, amounts and the deductions enter
    present value and investment linearly) has its break-even solved exactly; drop-off and the discount
    rate by root finding on a grid scan; durations over whole years.
    """
    param = evaluator.compiled.params[index]
    if param.linear:
        return _exact_break_even(evaluator, index)
    lo, hi = _search_interval(param)
    if param.integer:
        grid = np.arange(max(lo, 1.0), min(hi, MAX_YEARS) + 1)
    else:
        grid = np.unique(np.concatenate([np.linspace(lo, hi, GRID), [param.base]]))
    ratio, _ = evaluator.vary(index, grid)
    gap = ratio - 1.0
    valid = np.isfinite(gap)
    crossings = np.flatnonzero(valid[:-1] & valid[1:] & (np.sign(gap[:-1]) != np.sign(gap[1:])))
    exact = np.flatnonzero(valid & (gap == 0))
    if crossings.size == 0 and exact.size == 0:
        return BreakEven(param.name, param.base, None, None, "none in its domain")
    candidates = [float(grid[k]) for k in exact]
    for k in crossings:
        if param.integer:
            candidates.append(float(grid[k + 1]))
            continue
        from scipy import optimize  # only a root between grid points needs it (issue 13)

        root = optimize.brentq(lambda x: float(evaluator.vary(index, np.array([x]))[0][0]) - 1.0,
                               grid[k], grid[k + 1], xtol=1e-12, rtol=1e-12)
        candidates.append(float(root))
    value = min(candidates, key=lambda x: abs(x - param.base))
    note = "first whole year at which the ratio passes 1" if param.integer else "ratio = 1"
    return BreakEven(param.name, param.base, value, value - param.base, note)


def sensitivity(model: ImpactModel | CompiledModel, workspace: Path | str | None = None) -> SensitivityResult:
    """Tornado of every ranged parameter and the break-even value of every numeric assumption."""
    compiled = model if isinstance(model, CompiledModel) else compile_model(with_evidence(model, workspace)[0])
    evaluator = Evaluator(compiled)
    ratio, npv = evaluator.rows(evaluator.base[None, :])
    breaks = [break_even(evaluator, i) for i in range(compiled.n_params)]
    return SensitivityResult(_finite(ratio[0]), float(npv[0]), tornado(evaluator), breaks)

"""Monte Carlo simulation of the SROI ratio and NPV: independent draws of every ranged assumption.

Draws are made in chunks (bounded memory) on a thread per core; each chunk has its own random
stream spawned from the seed, so a seed gives the same result on any machine and core count.
Triangular and uniform draws are turned from uniforms inside the compiled kernel; normal draws
(truncated to the parameter's domain) use SciPy's inverse normal CDF.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from impactlab.errors import UserError
from impactlab.model.schema import ImpactModel
from impactlab.valuation.compiled import NORMAL, CompiledModel, compile_model
from impactlab.valuation.evidence_hook import with_evidence
from impactlab.valuation.kernel import draw_in_place, evaluate_block

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 8_192
Progress = Callable[[int, int], None]


@dataclass
class Summary:
    """Mean and percentiles of one simulated figure, with Monte Carlo standard errors."""

    mean: float
    sd: float
    p5: float
    p50: float
    p95: float
    mean_se: float
    p5_se: float
    p50_se: float
    p95_se: float


@dataclass
class SimulationResult:
    draws: int
    seed: int
    uncertain_parameters: list[str]
    sroi_ratio: Summary
    net_present_value: Summary
    society_npv: Summary
    prob_ratio_above_1: float
    prob_ratio_above_1_se: float
    ratio_draws: np.ndarray | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("ratio_draws")
        return data

    def summary_frame(self) -> pd.DataFrame:
        """One row per figure (SROI ratio, NPV, MKBA NPV): mean, percentiles and their standard errors."""
        import pandas as pd

        return pd.DataFrame({"sroi_ratio": asdict(self.sroi_ratio), "net_present_value": asdict(self.net_present_value),
                             "society_npv": asdict(self.society_npv)}).T


def percentile_se(sorted_values: np.ndarray, p: float) -> float:
    """Distribution-free standard error of the p-quantile from the binomial order-statistic interval.

    The 95% interval of the quantile runs between the order statistics n*p -/+ 1.96*sqrt(n*p*(1-p));
    its half-width divided by 1.96 is the standard error.
    """
    n = sorted_values.shape[0]
    spread = 1.959964 * math.sqrt(n * p * (1 - p))
    lo = int(max(0, math.floor(n * p - spread)))
    hi = int(min(n - 1, math.ceil(n * p + spread)))
    return float((sorted_values[hi] - sorted_values[lo]) / (2 * 1.959964))


def _quantile_sorted(ordered: np.ndarray, p: float) -> float:
    """The p-quantile of sorted values, linear interpolation (NumPy's default method), without a copy."""
    position = (ordered.shape[0] - 1) * p
    below = math.floor(position)
    above = min(below + 1, ordered.shape[0] - 1)
    return float(ordered[below] + (position - below) * (ordered[above] - ordered[below]))


def _sd(values: np.ndarray, mean: float, block: int = 1 << 20) -> float:
    """Sample standard deviation in blocks (two-pass, no full-size temporary)."""
    squares = sum(float(np.sum((values[i:i + block] - mean) ** 2)) for i in range(0, values.shape[0], block))
    return math.sqrt(squares / (values.shape[0] - 1))


def summarise(values: np.ndarray, in_place: bool = False) -> Summary:
    """Mean, SD, P5/P50/P95 and their standard errors of the finite values.

    ``values`` is left as it is unless ``in_place`` (then it may be sorted, saving a copy of 10M draws).
    """
    finite_mask = np.isfinite(values)
    finite = values if in_place and finite_mask.all() else values[finite_mask]
    del finite_mask
    finite.sort()
    n = finite.shape[0]
    if n == 0:
        nan = float("nan")
        return Summary(nan, nan, nan, nan, nan, nan, nan, nan, nan)
    mean = float(finite.mean())
    sd = _sd(finite, mean) if n > 1 else 0.0
    return Summary(mean, sd, _quantile_sorted(finite, 0.05), _quantile_sorted(finite, 0.5),
                   _quantile_sorted(finite, 0.95), sd / math.sqrt(n),
                   percentile_se(finite, 0.05), percentile_se(finite, 0.5), percentile_se(finite, 0.95))


def _uncertain(compiled: CompiledModel) -> tuple[np.ndarray, ...]:
    params = [(i, p) for i, p in enumerate(compiled.params) if p.uncertain]
    index = np.array([i for i, _ in params], dtype=np.int64)
    dist = np.array([p.dist for _, p in params], dtype=np.int64)
    low = np.array([p.low for _, p in params], dtype=np.float64)
    mode = np.array([p.base for _, p in params], dtype=np.float64)
    high = np.array([p.high for _, p in params], dtype=np.float64)
    sd = np.array([p.sd for _, p in params], dtype=np.float64)
    lower = np.array([p.lower for _, p in params], dtype=np.float64)
    upper = np.array([p.upper for _, p in params], dtype=np.float64)
    return index, dist, low, mode, high, sd, lower, upper


def _normal_rows(u: np.ndarray, rows: np.ndarray, mean: np.ndarray, sd: np.ndarray,
                 lower: np.ndarray, upper: np.ndarray) -> None:
    """Turn the uniforms in ``rows`` into normal draws truncated to [lower, upper], in place."""
    if rows.size == 0:
        return
    from scipy import special  # only normal draws need it (issue 13: the command line pays for what it uses)

    cdf_lo = special.ndtr((lower - mean) / sd)[:, None]
    cdf_hi = special.ndtr((upper - mean) / sd)[:, None]
    block = cdf_lo + u[rows] * (cdf_hi - cdf_lo)
    u[rows] = np.clip(mean[:, None] + sd[:, None] * special.ndtri(block), lower[:, None], upper[:, None])


# the positions in CompiledModel.arrays() that hold parameter indices (-1: none)
_PARAMETER_INDICES = (0, 1, 3, 4, 5, 6, 7, 10, 11, 12)


def _renumbered(arrays: tuple[np.ndarray, ...], row_of: np.ndarray) -> tuple[np.ndarray, ...]:
    """The kernels' arrays with every parameter index replaced by its row in the block (``row_of``)."""
    return tuple(np.where(a >= 0, row_of[np.maximum(a, 0)], a).astype(np.int64) if k in _PARAMETER_INDICES else a
                 for k, a in enumerate(arrays))


def simulate(model: ImpactModel | CompiledModel, draws: int = 100_000, seed: int | None = None,
             progress: Progress | None = None, keep_draws: bool = False,
             workers: int | None = None, workspace: Path | str | None = None) -> SimulationResult:
    """Draw every ranged assumption independently ``draws`` times and summarise ratio and NPV."""
    if draws < 2:
        raise UserError(f"draws: at least 2 needed, got {draws}")
    compiled = model if isinstance(model, CompiledModel) else compile_model(with_evidence(model, workspace)[0])
    seed = int(np.random.SeedSequence().entropy % 2**63) if seed is None else seed
    index, dist, low, mode, high, sd, lower, upper = _uncertain(compiled)
    normal = np.flatnonzero(dist == NORMAL)
    # The block of parameter draws has the uncertain parameters first (rows 0..n-1, in the order of `index`) and
    # the fixed ones after them, so that the random numbers of a chunk are written straight into its first rows
    # (the same numbers, in the same places, as a separate (n, size) array) and the fixed rows are filled once
    # per thread. The kernels' parameter indices are renumbered to match.
    base = compiled.base_vector()
    order = np.concatenate([index, np.setdiff1d(np.arange(base.size), index)])
    row_of = np.empty(base.size, dtype=np.int64)
    row_of[order] = np.arange(base.size)
    arrays = _renumbered(compiled.arrays(), row_of)
    rate_row = int(row_of[compiled.rate_index])
    out = np.empty((3, draws), dtype=np.float64)
    n_chunks = math.ceil(draws / CHUNK)
    streams = np.random.SeedSequence(seed).spawn(n_chunks)
    blocks = threading.local()
    done = 0

    def block_of(size: int) -> np.ndarray:
        """This thread's block for a chunk of ``size`` draws (the last chunk may be smaller: a block of its own)."""
        block = getattr(blocks, "block", None)
        if block is None or block.shape[1] != size:
            block = np.empty((base.size, size), dtype=np.float64)
            block[index.size:] = base[order[index.size:], None]
            blocks.block = block
        return block

    def run_chunk(k: int) -> int:
        start = k * CHUNK
        size = min(CHUNK, draws - start)
        block = block_of(size)
        u = block[:index.size]
        np.random.Generator(np.random.PCG64(streams[k])).random(out=u)
        _normal_rows(u, normal, mode[normal], sd[normal], lower[normal], upper[normal])
        draw_in_place(block, dist, low, mode, high)
        evaluate_block(block, *arrays, compiled.first_year, rate_row, out, start)
        return size

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for size in pool.map(run_chunk, range(n_chunks)):
            done += size
            if progress:
                progress(done, draws)

    # in place, so that 10M draws stay within bounded memory: pv -> npv, pv of transfers -> society npv
    pv, pv_transfer, investment = out
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.divide(pv, investment, out=np.full(draws, np.nan), where=investment > 0)
    np.subtract(pv, pv_transfer, out=pv_transfer)
    np.subtract(pv_transfer, investment, out=pv_transfer)
    np.subtract(pv, investment, out=pv)
    above = float(np.mean(ratio > 1))
    kept = ratio.copy() if keep_draws else None
    ratio_summary = summarise(ratio, in_place=True)
    del ratio
    return SimulationResult(
        draws=draws, seed=seed, uncertain_parameters=[compiled.params[i].name for i in index],
        sroi_ratio=ratio_summary, net_present_value=summarise(pv, in_place=True),
        society_npv=summarise(pv_transfer, in_place=True),
        prob_ratio_above_1=above, prob_ratio_above_1_se=math.sqrt(above * (1 - above) / draws),
        ratio_draws=kept,
    )

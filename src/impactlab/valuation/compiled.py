"""A model compiled to arrays: every number is a parameter, every outcome and input an index row.

The deterministic valuation, the sensitivity analysis and the Monte Carlo simulation all evaluate
the same compiled form, so each rule of the method is written once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from impactlab.errors import UserError
from impactlab.model.document import available_indices, available_proxies
from impactlab.model.schema import EvidenceQuantity, ImpactModel, Number, Range

FIXED, TRIANGULAR, UNIFORM, NORMAL = 0, 1, 2, 3
DIST_CODES = {"triangular": TRIANGULAR, "uniform": UNIFORM, "normal": NORMAL}
INF = math.inf


@dataclass
class Parameter:
    """One number of the model, with its range and the domain it must stay in."""

    name: str
    base: float
    low: float
    high: float
    dist: int
    sd: float
    lower: float
    upper: float
    integer: bool = False
    source: str | None = None
    linear: bool = False
    """Present value and investment are affine in this parameter (the others fixed), so the sensitivity
    analysis solves its break-even exactly: quantities, unit values, amounts and the deductions."""

    @property
    def uncertain(self) -> bool:
        return self.dist != FIXED


@dataclass
class CompiledModel:
    """Arrays describing the valuation of one model (see module docstring)."""

    params: list[Parameter]
    first_year: bool
    rate_index: int
    # outcomes
    outcome_ids: list[str]
    q_idx: np.ndarray
    v_idx: np.ndarray
    v_factor: np.ndarray
    deadweight_idx: np.ndarray
    displacement_idx: np.ndarray
    attribution_idx: np.ndarray
    drop_off_idx: np.ndarray
    duration_idx: np.ndarray
    start: np.ndarray
    transfer: np.ndarray
    # inputs
    input_ids: list[str]
    amount_idx: np.ndarray
    input_qty_idx: np.ndarray
    input_value_idx: np.ndarray
    input_factor: np.ndarray
    input_year: np.ndarray
    index_factors: dict[str, float] = field(default_factory=dict)

    @property
    def n_params(self) -> int:
        return len(self.params)

    def base_vector(self) -> np.ndarray:
        return np.array([p.base for p in self.params], dtype=np.float64)

    def index_of(self, name: str) -> int:
        return next(i for i, p in enumerate(self.params) if p.name == name)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The index arrays in the order the numeric kernels take them."""
        return (self.q_idx, self.v_idx, self.v_factor, self.deadweight_idx, self.displacement_idx,
                self.attribution_idx, self.drop_off_idx, self.duration_idx, self.start, self.transfer,
                self.amount_idx, self.input_qty_idx, self.input_value_idx, self.input_factor, self.input_year)


class _ParameterTable:
    def __init__(self) -> None:
        self.params: list[Parameter] = []

    def add(self, name: str, value: Number, lower: float = 0.0, upper: float = INF,
            integer: bool = False, source: str | None = None, linear: bool = False) -> int:
        if isinstance(value, Range):
            dist = DIST_CODES[value.dist] if value.low < value.high else FIXED
            param = Parameter(name, value.base, value.low, value.high, dist, value.sd or 0.0, lower, upper,
                              integer, value.source or source, linear)
        else:
            number = float(value)
            param = Parameter(name, number, number, number, FIXED, 0.0, lower, upper, integer, source, linear)
        self.params.append(param)
        return len(self.params) - 1


def index_factor(model: ImpactModel, indices: dict[str, dict[int, float]], price_year: int) -> float:
    """index[programme year] / index[price year]; 1 when the years agree or indexation is off."""
    target = model.programme.price_year
    name = model.valuation.index
    if price_year == target or name is None:
        return 1.0
    series = indices.get(name)
    if series is None or price_year not in series or target not in series:
        raise UserError(f"index '{name}' lacks {price_year} or {target}; run impactlab check")
    return series[target] / series[price_year]


def compile_model(model: ImpactModel) -> CompiledModel:
    """Compile a valid model; evidence quantities must have been resolved to numbers first."""
    proxies = available_proxies(model)
    indices = available_indices(model)
    table = _ParameterTable()
    rate = table.add("valuation.discount_rate", model.valuation.discount_rate, 0.0, 0.999)
    proxy_params: dict[str, int] = {}
    factors: dict[str, float] = {}

    def proxy_param(proxy_id: str) -> tuple[int, float]:
        if proxy_id not in proxy_params:
            proxy = proxies[proxy_id]
            proxy_params[proxy_id] = table.add(f"proxies.{proxy_id}.value", proxy.value, source=proxy.source,
                                                linear=True)
            factors[proxy_id] = index_factor(model, indices, proxy.price_year)
        return proxy_params[proxy_id], factors[proxy_id]

    rows: dict[str, list[float]] = {k: [] for k in (
        "q", "v", "vf", "dw", "ds", "at", "do", "dur", "start", "transfer")}
    for outcome in model.outcomes:
        if isinstance(outcome.quantity, EvidenceQuantity):
            raise UserError(f"outcome '{outcome.id}': its quantity comes from dataset "
                            f"'{outcome.quantity.dataset}'; resolve the evidence first")
        prefix = f"outcomes.{outcome.id}"
        source = outcome.sources.get("quantity")
        lower = -INF if outcome._signed_quantity else 0.0  # a measured change in WELLBYs may be negative
        rows["q"].append(table.add(f"{prefix}.quantity", outcome.quantity, lower, source=source, linear=True))
        if outcome.proxy is not None:
            index, factor = proxy_param(outcome.proxy)
            if outcome.conversion is not None:  # units of the proxy per unit of the quantity
                factor *= outcome.conversion.factor
        else:
            assert outcome.value is not None
            index, factor = table.add(f"{prefix}.value", outcome.value, source=outcome.sources.get("value"),
                                     linear=True), 1.0
        rows["v"].append(index)
        rows["vf"].append(factor)
        for key, short in (("deadweight", "dw"), ("displacement", "ds"), ("attribution", "at"), ("drop_off", "do")):
            rows[short].append(table.add(f"{prefix}.{key}", getattr(outcome, key), 0.0, 1.0,
                                         source=outcome.sources.get(key), linear=key != "drop_off"))
        rows["dur"].append(table.add(f"{prefix}.duration", outcome.duration, 1.0, INF, integer=True,
                                     source=outcome.sources.get("duration")))
        rows["start"].append(outcome.start_year)
        rows["transfer"].append(outcome.transfer_from is not None)

    input_rows: dict[str, list[float]] = {k: [] for k in ("amount", "qty", "val", "factor", "year")}
    for item in model.inputs:
        prefix = f"inputs.{item.id}"
        if item.amount is not None:
            input_rows["amount"].append(table.add(f"{prefix}.amount", item.amount, source=item.source, linear=True))
            input_rows["qty"].append(-1)
            input_rows["val"].append(-1)
            input_rows["factor"].append(1.0)
        else:
            assert item.quantity is not None and item.proxy is not None
            input_rows["amount"].append(-1)
            input_rows["qty"].append(table.add(f"{prefix}.quantity", item.quantity, source=item.source, linear=True))
            index, factor = proxy_param(item.proxy)
            input_rows["val"].append(index)
            input_rows["factor"].append(factor)
        input_rows["year"].append(item.year)

    def ints(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    def floats(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=np.float64)

    return CompiledModel(
        params=table.params, first_year=model.valuation.discount_first_year, rate_index=rate,
        outcome_ids=[o.id for o in model.outcomes], q_idx=ints(rows["q"]), v_idx=ints(rows["v"]),
        v_factor=floats(rows["vf"]), deadweight_idx=ints(rows["dw"]), displacement_idx=ints(rows["ds"]),
        attribution_idx=ints(rows["at"]), drop_off_idx=ints(rows["do"]), duration_idx=ints(rows["dur"]),
        start=ints(rows["start"]), transfer=np.asarray(rows["transfer"], dtype=np.bool_),
        input_ids=[i.id for i in model.inputs], amount_idx=ints(input_rows["amount"]),
        input_qty_idx=ints(input_rows["qty"]), input_value_idx=ints(input_rows["val"]),
        input_factor=floats(input_rows["factor"]), input_year=ints(input_rows["year"]), index_factors=factors,
    )

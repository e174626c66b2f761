"""Valuation: the SROI value map, the MKBA view, sensitivity and Monte Carlo simulation.

The names are loaded on first use (PEP 562): ``value`` needs NumPy only, ``sensitivity`` and ``simulate`` also
the compiled (Numba) kernels and SciPy (issue 13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from impactlab._lazy import make_lazy

_LAZY = {
    "SensitivityResult": "impactlab.valuation.sensitivity",
    "SimulationResult": "impactlab.valuation.montecarlo",
    "ValuationResult": "impactlab.valuation.results",
    "sensitivity": "impactlab.valuation.sensitivity",
    "simulate": "impactlab.valuation.montecarlo",
    "value": "impactlab.valuation.engine",
}

__all__ = ["SensitivityResult", "SimulationResult", "ValuationResult", "sensitivity", "simulate", "value"]

if TYPE_CHECKING:
    from impactlab.valuation.engine import value
    from impactlab.valuation.montecarlo import SimulationResult, simulate
    from impactlab.valuation.results import ValuationResult
    from impactlab.valuation.sensitivity import SensitivityResult, sensitivity


make_lazy(__name__, _LAZY)

"""Valuation: the SROI value map, the MKBA view, sensitivity and Monte Carlo simulation."""

from impactlab.valuation.engine import value
from impactlab.valuation.montecarlo import SimulationResult, simulate
from impactlab.valuation.results import ValuationResult
from impactlab.valuation.sensitivity import SensitivityResult, sensitivity

__all__ = ["SensitivityResult", "SimulationResult", "ValuationResult", "sensitivity", "simulate", "value"]

"""impactlab: show what difference social work makes, for whom, how much, and what it is worth.

In a notebook::

    from impactlab import load_model, value, sensitivity, simulate
    model = load_model("model.yaml")
    result = value(model)
    result.outcomes_frame()

From a server (its JSON API, with a personal access token)::

    import impactlab
    lab = impactlab.connect("https://impact.example.nl", token)
    model = lab.model(3)            # the programme's published model
    lab.valuation(3)                # its figures, as the server computes them for you

The names below are loaded on first use (PEP 562), so that ``import impactlab.io.pseudonymise`` or the
``impactlab`` command pays only for what it uses (issue 13): the valuation's NumPy, pandas, SciPy and Numba are
not imported until ``value``, ``simulate`` or ``sensitivity`` is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from impactlab._lazy import make_lazy

__version__ = "0.1.0"

_LAZY = {
    "ImpactModel": "impactlab.model.schema",
    "check_model": "impactlab.model.document",
    "connect": "impactlab.client",
    "dump_model": "impactlab.model.document",
    "load_model": "impactlab.model.document",
    "parse_model": "impactlab.model.document",
    "sensitivity": "impactlab.valuation.sensitivity",
    "simulate": "impactlab.valuation.montecarlo",
    "value": "impactlab.valuation.engine",
}

__all__ = ["ImpactModel", "check_model", "connect", "dump_model", "load_model", "parse_model", "sensitivity",
           "simulate", "value"]

if TYPE_CHECKING:  # for type checkers and editors: the same names, eagerly
    from impactlab.client import connect
    from impactlab.model import ImpactModel, check_model, dump_model, load_model, parse_model
    from impactlab.valuation import sensitivity, simulate, value


make_lazy(__name__, _LAZY)

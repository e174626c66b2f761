"""impactlab: show what difference social work makes, for whom, how much, and what it is worth.

In a notebook::

    from impactlab import load_model, value, sensitivity, simulate
    model = load_model("model.yaml")
    result = value(model)
    result.outcomes_frame()
"""

from impactlab.model import ImpactModel, check_model, dump_model, load_model, parse_model
from impactlab.valuation import sensitivity, simulate, value

__version__ = "0.1.0"

__all__ = ["ImpactModel", "check_model", "dump_model", "load_model", "parse_model", "sensitivity", "simulate",
           "value"]

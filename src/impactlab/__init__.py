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
"""

from impactlab.client import connect
from impactlab.model import ImpactModel, check_model, dump_model, load_model, parse_model
from impactlab.valuation import sensitivity, simulate, value

__version__ = "0.1.0"

__all__ = ["ImpactModel", "check_model", "connect", "dump_model", "load_model", "parse_model", "sensitivity",
           "simulate", "value"]

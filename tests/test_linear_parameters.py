"""The sensitivity shortcut rests on an explicit property of each parameter (``Parameter.linear``), set by the
compiler, not on its name; every parameter marked linear is affine in present value and investment."""

from __future__ import annotations

import numpy as np
import pytest

from impactlab.model import parse_model
from impactlab.model.examples import example_names, example_text
from impactlab.valuation.compiled import compile_model
from impactlab.valuation.sensitivity import Evaluator, break_even

WORKED = "docs/examples/worked.yaml"


def _models():
    with open(WORKED, encoding="utf-8") as handle:
        yield parse_model(handle.read())
    for name in example_names():
        yield parse_model(example_text(name))


@pytest.mark.parametrize("model", list(_models()))
def test_linear_parameters_are_affine_and_the_others_are_marked_not(model) -> None:
    compiled = compile_model(model)
    evaluator = Evaluator(compiled)
    for index, param in enumerate(compiled.params):
        key = param.name.rsplit(".", 1)[-1]
        expected = key in {"quantity", "value", "amount", "deadweight", "displacement", "attribution"}
        assert param.linear == expected, param.name
        if not param.linear:
            continue
        pv, investment = evaluator.totals(evaluator.varied(index, np.array([0.0, 0.3, 1.0])))
        assert pv[1] == pytest.approx(pv[0] + 0.3 * (pv[2] - pv[0]), rel=1e-12, abs=1e-9), param.name
        assert investment[1] == pytest.approx(investment[0] + 0.3 * (investment[2] - investment[0]),
                                              rel=1e-12, abs=1e-9), param.name


def test_the_shortcut_follows_the_property_not_the_name() -> None:
    with open(WORKED, encoding="utf-8") as handle:
        compiled = compile_model(parse_model(handle.read()))
    evaluator = Evaluator(compiled)
    index = compiled.index_of("outcomes.less_lonely.quantity")
    assert break_even(evaluator, index).note == "ratio = 1 (solved exactly)"
    compiled.params[index].linear = False  # same name, property off: root finding instead
    searched = break_even(evaluator, index)
    assert searched.note == "ratio = 1"
    compiled.params[index].linear = True
    assert searched.break_even == pytest.approx(break_even(evaluator, index).break_even, rel=1e-9)

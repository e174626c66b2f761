"""The impact model: a typed, validated, versionable document (YAML format version 1).

The names are loaded on first use (PEP 562), so that a light module of this package (the shipped examples,
say) does not build the pydantic schema (issue 13).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from impactlab._lazy import make_lazy

_LAZY = {
    "CheckReport": "impactlab.model.document",
    "check_model": "impactlab.model.document",
    "check_text": "impactlab.model.document",
    "dump_model": "impactlab.model.document",
    "load_model": "impactlab.model.document",
    "parse_model": "impactlab.model.document",
    "ImpactModel": "impactlab.model.schema",
}

__all__ = ["CheckReport", "ImpactModel", "check_model", "check_text", "dump_model", "load_model", "parse_model"]

if TYPE_CHECKING:
    from impactlab.model.document import (
        CheckReport,
        check_model,
        check_text,
        dump_model,
        load_model,
        parse_model,
    )
    from impactlab.model.schema import ImpactModel


make_lazy(__name__, _LAZY)

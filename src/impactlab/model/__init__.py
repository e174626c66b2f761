"""The impact model: a typed, validated, versionable document (YAML format version 1)."""

from impactlab.model.document import (
    CheckReport,
    check_model,
    check_text,
    dump_model,
    load_model,
    parse_model,
)
from impactlab.model.schema import ImpactModel

__all__ = ["CheckReport", "ImpactModel", "check_model", "check_text", "dump_model", "load_model", "parse_model"]

"""Reading, checking and writing impact model documents (YAML files or text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from impactlab.errors import UserError
from impactlab.limits import check_model_outcomes, check_model_size
from impactlab.messages import normalise
from impactlab.messages import text as message_text
from impactlab.model.library import builtin_indices, proxy_library
from impactlab.model.problems import Problem, format_problem, problems_from_validation
from impactlab.model.schema import ImpactModel, Proxy
from impactlab.model.validate import validate_model
from impactlab.model.yaml_lines import line_of, parse_yaml


def available_proxies(model: ImpactModel) -> dict[str, Proxy]:
    """Library proxies, overridden by the model's own proxies of the same id."""
    proxies = {pid: entry.as_model_proxy() for pid, entry in proxy_library().items()}
    proxies.update({p.id: p for p in model.proxies})
    return proxies


def available_indices(model: ImpactModel) -> dict[str, dict[int, float]]:
    """Built-in indices; a model series of the same name takes precedence."""
    indices = {name: dict(index.values) for name, index in builtin_indices().items()}
    indices.update({name: dict(series) for name, series in model.indices.items()})
    return indices


@dataclass
class CheckReport:
    """The outcome of checking a model document: the model if it is valid, and every message."""

    source: str
    model: ImpactModel | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    lang: str = "en"

    @property
    def ok(self) -> bool:
        return not self.errors


def _in_file_order(problems: list[Problem], data: Any) -> list[Problem]:
    return sorted(problems, key=lambda p: line_of(data, p.loc) or 0)


def check_text(text: str, source: str = "model.yaml", lang: str | None = "en") -> CheckReport:
    """Parse and validate a model document; never raises for bad input.

    The messages are in ``lang`` ('en' or 'nl'; see impactlab.messages); ``problems`` keep their codes.
    """
    lang = normalise(lang)
    try:
        check_model_size(text, source)
        data = parse_yaml(text, source)
        check_model_outcomes(data, source)
    except UserError as error:
        return CheckReport(source, None, errors=error.messages, lang=lang)
    if data is None:
        return CheckReport(source, None, errors=[f"{source}: {message_text('file.empty', lang)}"], lang=lang)
    try:
        model = ImpactModel.model_validate(data)
    except ValidationError as error:
        problems = _in_file_order(problems_from_validation(error, data, ImpactModel), data)
        return CheckReport(source, None, [format_problem(p, data, source, lang) for p in problems],
                           problems=problems, lang=lang)
    problems = _in_file_order(validate_model(model, available_proxies(model), available_indices(model)), data)
    errors = [format_problem(p, data, source, lang) for p in problems if p.severity == "error"]
    warnings = [format_problem(p, data, source, lang) for p in problems if p.severity == "warning"]
    return CheckReport(source, None if errors else model, errors, warnings, problems, lang)


def check_model(path: str | Path, lang: str | None = "en") -> CheckReport:
    """Check a model file (see :func:`check_text`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CheckReport(str(path), None, errors=[f"{path}: {message_text('file.missing', lang)}"], lang=lang or "en")
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as error:
        return CheckReport(str(path), None, errors=[f"{path}: {message_text('file.unreadable', lang, error=error)}"],
                           lang=lang or "en")
    return check_text(text, path.name, lang)


def load_model(path: str | Path) -> ImpactModel:
    """Load and validate a model file; raises UserError listing every problem."""
    report = check_model(path)
    if report.model is None:
        raise UserError(report.errors)
    return report.model


def parse_model(text: str, source: str = "model.yaml") -> ImpactModel:
    """Load and validate a model from YAML text; raises UserError listing every problem."""
    report = check_text(text, source)
    if report.model is None:
        raise UserError(report.errors)
    return report.model


class _FlowDict(dict):
    """A small mapping written in flow style: ``{base: 0.25, low: 0.15, high: 0.4}``."""


class _Dumper(yaml.SafeDumper):
    pass


_LINE_BREAKS = ("\x85", "\u2028", "\u2029", "\r")


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """Text with unusual line breaks goes double-quoted (escaped), so it reads back unchanged."""
    style = '"' if any(mark in text for mark in _LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(_FlowDict, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data,
                                                                       flow_style=True))


def _flow_small(node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict):
        items = {key: _flow_small(value, depth + 1) for key, value in node.items()}
        flat = all(not isinstance(v, dict | list) for v in items.values())
        return _FlowDict(items) if flat and depth >= 2 and len(items) <= 8 else items
    if isinstance(node, list):
        return [_flow_small(item, depth + 1) for item in node]
    return node


def dump_model(model: ImpactModel) -> str:
    """The model as YAML text; ``parse_model(dump_model(m)) == m``."""
    document = model.to_document()
    document = {"impactlab": model.impactlab, **{k: v for k, v in document.items() if k != "impactlab"}}
    if "indices" in document:
        document["indices"] = {name: {int(year): level for year, level in series.items()}
                               for name, series in document["indices"].items()}
    return yaml.dump(_flow_small(document), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)

"""Shipped example models (``impactlab new --example NAME``)."""

from __future__ import annotations

from importlib import resources

from impactlab.errors import UserError

_FOLDER = resources.files("impactlab").joinpath("data", "examples")


def example_names() -> list[str]:
    """Names of the shipped examples (without the template)."""
    return sorted(p.name.removesuffix(".yaml") for p in _FOLDER.iterdir()
                  if p.name.endswith(".yaml") and p.name != "template.yaml")


def example_text(name: str) -> str:
    """The YAML text of an example, or of the blank template."""
    entry = _FOLDER.joinpath(f"{name}.yaml")
    if not entry.is_file():
        raise UserError(f"unknown example '{name}' (known: template, {', '.join(example_names())})")
    return entry.read_text(encoding="utf-8")

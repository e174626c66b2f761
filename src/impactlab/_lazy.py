"""Names of a package loaded on first use (PEP 562), so that importing the package, or a light module of it,
does not import the heavy libraries behind its other names (issue 13)."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Mapping
from typing import Any


class LazyPackage(types.ModuleType):
    """A package whose public names (name -> module that defines it, in ``_lazy_names``) are imported when first
    asked for, and then kept in the package."""

    _lazy_names: Mapping[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        module = self._lazy_names.get(name)
        if module is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        found = getattr(importlib.import_module(module), name)
        setattr(self, name, found)
        return found

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *self._lazy_names})

    def __setattr__(self, name: str, value: Any) -> None:
        # The import system binds a loaded submodule to its package's attribute of the same name. Where a public
        # name is also a submodule's name (impactlab.valuation.sensitivity, the module; sensitivity, the function),
        # the package offers what the eager ``from .sensitivity import sensitivity`` gave: the function.
        if (isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}"
                and self._lazy_names.get(name) == value.__name__):
            value = getattr(value, name)
        super().__setattr__(name, value)


def make_lazy(package: str, names: Mapping[str, str]) -> None:
    """Make ``package`` (a name in sys.modules) load each of ``names`` (name -> defining module) on first use."""
    module = sys.modules[package]
    module.__class__ = LazyPackage
    module._lazy_names = names

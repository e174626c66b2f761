"""The shipped proxy library and price indices (data files under impactlab/data)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from impactlab.model.schema import Number, Proxy, Range


class LibraryProxy(BaseModel):
    """A proxy from the shipped library, with its source and (where known) a range."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str
    value: float
    unit: str | None = None
    unit_kind: str | None = None
    price_year: int
    source: str
    currency: str = "EUR"
    low: float | None = None
    high: float | None = None
    name_nl: str | None = None
    category: str | None = None
    transfer: bool = False
    confidence: str | None = None
    keywords: list[str] = []
    notes: str | None = None

    def as_model_proxy(self) -> Proxy:
        """This proxy as a model proxy: its range when the library gives one."""
        value: Number = self.value
        if self.low is not None and self.high is not None:
            value = Range(base=self.value, low=self.low, high=self.high)
        return Proxy(id=self.id, name=self.name, value=value, unit=self.unit, unit_kind=self.unit_kind,
                     price_year=self.price_year, source=self.source, currency=self.currency, notes=self.notes)

    def matches(self, words: list[str]) -> bool:
        """True when every word occurs in the id, names, keywords, category, unit or source."""
        text = " ".join(
            str(part) for part in (self.id, self.name, self.name_nl, self.category, self.unit, self.source,
                                   self.notes, *self.keywords) if part
        ).lower()
        return all(word.lower() in text for word in words)


class PriceIndex(BaseModel):
    """A yearly price index series."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str
    source: str
    values: dict[int, float]


def _data_text(*parts: str) -> str:
    return resources.files("impactlab").joinpath("data", *parts).read_text(encoding="utf-8")


@functools.cache
def proxy_library() -> dict[str, LibraryProxy]:
    """All shipped proxies by id."""
    document: dict[str, Any] = yaml.safe_load(_data_text("proxies.yaml")) or {}
    return {entry["id"]: LibraryProxy(**entry) for entry in document.get("proxies", [])}


@functools.cache
def builtin_indices() -> dict[str, PriceIndex]:
    """The shipped price indices by id (the Dutch CPI as ``cpi``)."""
    document: dict[str, Any] = yaml.safe_load(_data_text("indices", "cpi.yaml"))
    index = PriceIndex(**document)
    return {index.id: index}


def search_proxies(words: list[str]) -> list[LibraryProxy]:
    """Library proxies matching every word (case-insensitive), by id."""
    return sorted((p for p in proxy_library().values() if p.matches(words)), key=lambda p: p.id)

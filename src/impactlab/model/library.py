"""The shipped proxy library and price indices (data files under impactlab/data).

The library is the directory ``data/proxies/``: one YAML file per category (the file name is the category) with
``proxies: [...]``, and ``library.yaml`` with the library's ``version`` and ``changelog``. Every entry is checked
against :class:`LibraryProxy` on load and ids must be unique across the files; a broken entry is a
:class:`LibraryError` naming the file and the entry, never a silently smaller library."""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator

from impactlab import cache
from impactlab.model.schema import Number, Proxy, Range
from impactlab.model.units import KINDS

if TYPE_CHECKING:  # search (rapidfuzz, Snowball) is imported when a search runs, not by every model check
    from impactlab.model.proxy_search import Index

LIBRARY_FILE = "library.yaml"
CONFIDENCE = ("verified", "derived", "unverified")
_ID = r"^[a-z][a-z0-9_]*$"


class LibraryError(ValueError):
    """The shipped proxy library is malformed (a bug in the data files, not in the user's model)."""


def _words(items: list[str]) -> list[str]:
    if any(not isinstance(w, str) or not w.strip() for w in items):
        raise ValueError("keywords must be non-empty strings")
    return items


class LibraryProxy(BaseModel):
    """A proxy from the shipped library, with its source, confidence and (where known) a range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=3)
    name_nl: str = Field(min_length=3)
    value: float = Field(gt=0)
    low: float | None = Field(default=None, gt=0)
    high: float | None = Field(default=None, gt=0)
    unit: str = Field(min_length=1)
    unit_kind: Literal[KINDS]  # type: ignore[valid-type]
    currency: Literal["EUR"]
    price_year: int = Field(ge=1900, le=2100)
    source: str = Field(min_length=10)
    url: str | None = None
    category: str = Field(pattern=_ID)
    transfer: StrictBool
    confidence: Literal[CONFIDENCE]  # type: ignore[valid-type]
    keywords: list[str] = Field(min_length=1)
    keywords_nl: list[str] = Field(min_length=1)
    notes: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> LibraryProxy:
        _words(self.keywords)
        _words(self.keywords_nl)
        if (self.low is not None and self.low > self.value) or (self.high is not None and self.high < self.value):
            raise ValueError(f"low <= value <= high does not hold ({self.low}, {self.value}, {self.high})")
        notes = self.notes or ""
        if self.confidence == "derived" and not ("=" in notes and re.search(r"\d", notes)):
            raise ValueError("a derived proxy shows its arithmetic in `notes` (with '=')")
        if self.confidence == "unverified" and "UNVERIFIED" not in notes:
            raise ValueError("an unverified proxy says UNVERIFIED in `notes`, with what could not be checked")
        return self

    def as_model_proxy(self) -> Proxy:
        """This proxy as a model proxy: its range when the library gives one."""
        value: Number = self.value
        if self.low is not None and self.high is not None:
            value = Range(base=self.value, low=self.low, high=self.high)
        return Proxy(id=self.id, name=self.name, value=value, unit=self.unit, unit_kind=self.unit_kind,
                     price_year=self.price_year, source=self.source, currency=self.currency, notes=self.notes)

    def matches(self, words: list[str]) -> bool:
        """True when search finds this proxy for ``words`` (every word matches, in any language and form)."""
        from impactlab.model.proxy_search import Index

        return bool(Index([(self.id, search_fields(self))]).search(words))


class ChangelogEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    changes: list[str] = Field(min_length=1)


class LibraryInfo(BaseModel):
    """The library's version (named in reports) and its changelog, newest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(min_length=1)
    changelog: list[ChangelogEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _current(self) -> LibraryInfo:
        if self.changelog[0].version != self.version:
            raise ValueError(f"the newest changelog entry is {self.changelog[0].version}, not {self.version}")
        return self


class PriceIndex(BaseModel):
    """A yearly price index series."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str
    name: str
    source: str
    values: dict[int, float]


Directory = Path | Traversable


def _data_dir(*parts: str) -> Traversable:
    return resources.files("impactlab").joinpath("data", *parts)


def _yaml(path: Directory) -> Any:
    """A library file (our data, not a user's upload: no limits needed). Parsing the library's YAML is most of a
    model check's time (25 ms for 150 kB, even with libyaml's parser), so what a file parses to is kept in this
    user's cache (impactlab.cache), by the SHA-256 of its text, and a later process reads it as JSON (issue 13)."""
    text = path.read_text(encoding="utf-8")
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    cached = cache.load_json("yaml", key)
    if cached is not None:
        return cached
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        raise LibraryError(f"{path.name}: not valid YAML: {error}") from error
    cache.save_json("yaml", key, data)
    return data


def _problem(error: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(x) for x in e['loc']) or 'entry'}: {e['msg']}" for e in error.errors())


def load_info(directory: Directory) -> LibraryInfo:
    """The version and changelog in ``library.yaml`` of ``directory``."""
    try:
        return LibraryInfo(**(_yaml(directory.joinpath(LIBRARY_FILE)) or {}))
    except (ValidationError, TypeError) as error:
        detail = _problem(error) if isinstance(error, ValidationError) else str(error)
        raise LibraryError(f"{LIBRARY_FILE}: {detail}") from error


def load_proxies(directory: Directory, years: set[int] | None = None) -> dict[str, LibraryProxy]:
    """Every proxy of every category file in ``directory``, checked; ``years``: the price years the CPI covers."""
    found: dict[str, LibraryProxy] = {}
    where: dict[str, str] = {}
    files = sorted((f for f in directory.iterdir() if f.name.endswith(".yaml") and f.name != LIBRARY_FILE),
                   key=lambda f: f.name)
    if not files:
        raise LibraryError(f"no category files in {directory}")
    for file in files:
        category = file.name.removesuffix(".yaml")
        document = _yaml(file)
        if not isinstance(document, dict) or not isinstance(document.get("proxies"), list) or set(document) - {
                "proxies"}:
            raise LibraryError(f"{file.name}: the file holds one key, `proxies:`, with a list of entries")
        for n, entry in enumerate(document["proxies"]):
            label = f"{file.name}: entry {n + 1}" + (f" ({entry.get('id')})" if isinstance(entry, dict) else "")
            if not isinstance(entry, dict):
                raise LibraryError(f"{label}: not a mapping")
            if entry.get("category", category) != category:
                raise LibraryError(f"{label}: category {entry['category']!r} differs from the file name")
            try:
                proxy = LibraryProxy(**{**entry, "category": category})
            except ValidationError as error:
                raise LibraryError(f"{label}: {_problem(error)}") from error
            if proxy.id in found:
                raise LibraryError(f"{label}: id {proxy.id!r} is also in {where[proxy.id]}")
            if years is not None and proxy.price_year not in years:
                raise LibraryError(f"{label}: price year {proxy.price_year} is not covered by the CPI")
            found[proxy.id] = proxy
            where[proxy.id] = file.name
    return found


@functools.cache
def library_info() -> LibraryInfo:
    """The shipped library's version and changelog."""
    return load_info(_data_dir("proxies"))


def library_version() -> str:
    """The shipped library's version, as a report names it."""
    return library_info().version


@functools.cache
def proxy_library() -> dict[str, LibraryProxy]:
    """All shipped proxies by id (checked: see :func:`load_proxies`)."""
    return load_proxies(_data_dir("proxies"), set(builtin_indices()["cpi"].values))


@functools.cache
def builtin_indices() -> dict[str, PriceIndex]:
    """The shipped price indices by id (the Dutch CPI as ``cpi``)."""
    document: dict[str, Any] = _yaml(_data_dir("indices", "cpi.yaml"))
    index = PriceIndex(**document)
    return {index.id: index}


def search_fields(proxy: LibraryProxy) -> dict[str, list[str]]:
    """The texts of a proxy that search reads, by field (see impactlab.model.proxy_search.WEIGHTS)."""
    return {"id": [proxy.id.replace("_", " ")], "name": [proxy.name, proxy.name_nl],
            "keywords": [*proxy.keywords, *proxy.keywords_nl], "category": [proxy.category.replace("_", " ")],
            "unit": [proxy.unit], "source": [proxy.source], "notes": [proxy.notes or ""]}


@functools.cache
def _search_index() -> Index:
    from impactlab.model.proxy_search import Index

    return Index((p.id, search_fields(p)) for p in proxy_library().values())


def search_scored(words: list[str]) -> list[tuple[LibraryProxy, float]]:
    """Library proxies matching every word (Dutch or English, any accents and word forms), best first, with
    their score (see :mod:`impactlab.model.proxy_search`)."""
    library = proxy_library()
    return [(library[hit.id], hit.score) for hit in _search_index().search(words)]


def search_proxies(words: list[str]) -> list[LibraryProxy]:
    """Library proxies matching every word (Dutch or English, any accents and word forms), best first."""
    return [proxy for proxy, _score in search_scored(words)]

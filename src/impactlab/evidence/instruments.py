"""Validated outcome instruments as data files, and a vectorised scoring engine.

An instrument file (YAML) describes items, answer codes, scoring, subscales, cut-offs, norms,
reliability and meaningful-change thresholds. `score` adds score columns to a Polars frame:
the total as ``<id>``, each subscale as ``<id>.<subscale>``, categories as ``<id>.category`` and
``<id>.<subscale>.category``, and for conversion-table scoring the raw total as ``<id>.raw``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from impactlab import limits
from impactlab.errors import UserError
from impactlab.limits import load_yaml

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "instruments"
TOTAL = "total"
_RESERVED = {TOTAL, "category", "raw"}
_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(_Strict):
    """A text in English and/or Dutch."""

    en: str | None = None
    nl: str | None = None


class Option(_Strict):
    """One answer option: the code found in the data, its label, and optionally a different score."""

    code: int
    label: LocalText | None = None
    score: float | None = None

    @property
    def value(self) -> float:
        """The score this answer contributes (the code itself unless `score` is given)."""
        return float(self.code if self.score is None else self.score)


class Responses(_Strict):
    """Valid answers: a list of options, or every whole number from `min` to `max`."""

    options: list[Option] = Field(default_factory=list)
    min: int | None = None
    max: int | None = None
    min_label: LocalText | None = None
    max_label: LocalText | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Responses:
        has_range = self.min is not None or self.max is not None
        if bool(self.options) == has_range:
            raise ValueError("give either 'options' or both 'min' and 'max'")
        if has_range and (self.min is None or self.max is None or self.min >= self.max):
            raise ValueError("'min' and 'max' must both be given, with min < max")
        codes = [o.code for o in self.options]
        if len(set(codes)) != len(codes):
            raise ValueError(f"answer codes must be unique, got {codes}")
        return self

    @property
    def codes(self) -> list[int]:
        """Every valid answer code."""
        if self.options:
            return [o.code for o in self.options]
        assert self.min is not None and self.max is not None
        return list(range(self.min, self.max + 1))

    @property
    def has_custom_scores(self) -> bool:
        return any(o.score is not None for o in self.options)

    def score_bounds(self) -> tuple[float, float]:
        """Lowest and highest score an answer can give."""
        values = [o.value for o in self.options] or [float(self.min), float(self.max)]  # type: ignore[arg-type]
        return min(values), max(values)

    def describe(self) -> str:
        """Human-readable list of valid answers, for error messages."""
        if self.options:
            return ", ".join(str(c) for c in self.codes)
        return f"whole numbers {self.min}–{self.max}"


class AnswerFormat(_Strict):
    """One published way of answering the items: its codes and (for dichotomous scoring) the codes that score 1.

    An instrument may declare several (e.g. the five-point and the three-point version of the De Jong
    Gierveld scale); the first is the default. `scoring_codes` maps item code -> answer codes scoring 1.
    """

    id: str = Field(pattern=_ID_PATTERN)
    name: LocalText
    source: str | None = None
    responses: Responses
    scoring_codes: dict[str, list[int]] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


DEFAULT_FORMAT = "default"


class Item(_Strict):
    """One question (or one rated domain)."""

    code: str = Field(pattern=_ID_PATTERN)
    label: LocalText | None = None
    text_en: str | None = None
    text_nl: str | None = None
    reverse: bool = False
    subscale: str | None = None
    responses: Responses | None = None
    scoring_codes: list[int] | None = None


class Bounds(_Strict):
    """An inclusive range of scores."""

    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Band(Bounds):
    """A category for scores from `min` to `max`, both inclusive."""

    label: str
    label_nl: str | None = None


class Rule(_Strict):
    """A category that applies when every named score lies in its bounds."""

    label: str
    label_nl: str | None = None
    when: dict[str, Bounds]


class MissingRule(_Strict):
    """At most `max_missing` items may be missing; `prorate` scales sums up to the full item count."""

    max_missing: int = Field(default=0, ge=0)
    prorate: bool = False


class Scoring(_Strict):
    """How the total is formed from item scores."""

    method: Literal["sum", "mean", "dichotomous", "conversion"]
    total: bool = True
    range: Bounds | None = None
    higher_is_better: bool | None = None
    missing: MissingRule = Field(default_factory=MissingRule)
    conversion: dict[int, float] | None = None
    round_to: int | None = None


class Subscale(_Strict):
    """A part score over the items whose `subscale` names it."""

    id: str = Field(pattern=_ID_PATTERN)
    name: LocalText
    method: Literal["sum", "mean"] | None = None
    range: Bounds
    higher_is_better: bool
    missing: MissingRule | None = None
    categories: list[Band] = Field(default_factory=list)


class Norm(_Strict):
    """A published population mean (and SD) for a score."""

    score: str = TOTAL
    kind: Literal["functional", "dysfunctional", "general population"]
    population: str
    mean: float
    sd: float | None = Field(default=None, gt=0)
    source: str


class Reliability(_Strict):
    """A published reliability coefficient for a score, for the reliable change index."""

    score: str = TOTAL
    value: float = Field(gt=0, le=1)
    kind: Literal["cronbach_alpha", "test_retest", "omega", "rho", "other"]
    population: str | None = None
    source: str


class MeaningfulChange(_Strict):
    """A published threshold for a meaningful change in a score (in score points)."""

    score: str = TOTAL
    value: float = Field(gt=0)
    kind: str
    source: str


class Instrument(_Strict):
    """An outcome instrument as described by an instrument file."""

    id: str = Field(pattern=_ID_PATTERN)
    name: LocalText
    version: str
    source: str
    references: list[str] = Field(default_factory=list)
    licence: str
    texts_shippable: bool
    administration: Literal["self-report", "professional", "either"] = "self-report"
    responses: Responses | None = None
    answer_formats: list[AnswerFormat] = Field(default_factory=list)
    answer_format: str | None = None
    items: list[Item] = Field(min_length=1)
    scoring: Scoring
    subscales: list[Subscale] = Field(default_factory=list)
    categories: list[Band] = Field(default_factory=list)
    category_rules: list[Rule] = Field(default_factory=list)
    category_default: str | None = None
    norms: list[Norm] = Field(default_factory=list)
    reliability: list[Reliability] = Field(default_factory=list)
    meaningful_change: list[MeaningfulChange] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _apply_format(cls, data: object) -> object:
        """With `answer_formats`, the active format supplies `responses` and the items' `scoring_codes`."""
        if not isinstance(data, dict) or not data.get("answer_formats"):
            return data
        formats = data["answer_formats"]
        if not isinstance(formats, list) or not all(isinstance(f, dict) for f in formats):
            return data  # the field validation reports the shape
        ids = [f.get("id") for f in formats]
        active = data.get("answer_format") or ids[0]
        if active not in ids:
            raise ValueError(f"answer_format: unknown format {active!r} (formats: {', '.join(map(str, ids))})")
        chosen = formats[ids.index(active)]
        if data.get("responses") is not None and not _same(Responses, data["responses"], chosen.get("responses")):
            raise ValueError("responses: give the answers inside each of 'answer_formats', not at the top")
        items = data.get("items")
        if not isinstance(items, list):
            return data
        codes = chosen.get("scoring_codes") or {}
        new_items = []
        for item in items:
            given = item.get("scoring_codes") if isinstance(item, dict) else None
            if given is not None and given != codes.get(item.get("code")):
                raise ValueError(f"items.{item.get('code')}: give scoring_codes inside each of 'answer_formats'")
            if isinstance(item, dict) and item.get("code") in codes:
                item = {**item, "scoring_codes": codes[item["code"]]}
            new_items.append(item)
        return {**data, "answer_format": active, "responses": chosen.get("responses"), "items": new_items}

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        problems = [
            *self._item_problems(),
            *self._subscale_problems(),
            *self._total_problems(),
            *self._category_problems(),
            *self._reference_problems(),
            *self._format_problems(),
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- answer formats ----------------------------------------------------------------------------

    @property
    def formats(self) -> list[AnswerFormat]:
        """The published answer formats (declared, or one 'default' format from `responses`)."""
        if self.answer_formats:
            return list(self.answer_formats)
        assert self.responses is not None or all(i.responses for i in self.items)
        codes = {i.code: i.scoring_codes for i in self.items if i.scoring_codes}
        responses = self.responses or self.items[0].responses
        return [AnswerFormat(id=DEFAULT_FORMAT, name=LocalText(en="as declared", nl="zoals vastgelegd"),
                             responses=responses, scoring_codes=codes)]  # type: ignore[arg-type]

    @property
    def format(self) -> AnswerFormat:
        """The answer format the instrument is scored with now."""
        return next((f for f in self.formats if f.id == self.answer_format), self.formats[0])

    def format_ids(self) -> list[str]:
        return [f.id for f in self.formats]

    def with_format(self, format_id: str | None) -> Instrument:
        """The instrument scored with another of its answer formats (UserError naming the known ones)."""
        if format_id is None or format_id == self.format.id:
            return self
        if format_id not in self.format_ids():
            raise UserError(
                f"instrument {self.id}: unknown answer format {format_id!r}; its formats are "
                f"{', '.join(self.format_ids())} / instrument {self.id}: onbekende antwoordschaal {format_id!r}; "
                f"mogelijk zijn {', '.join(self.format_ids())}"
            )
        data = self.model_dump(mode="python", exclude={"responses"})
        for item in data["items"]:
            item.pop("scoring_codes", None)
        data["answer_format"] = format_id
        return Instrument.model_validate(data)

    # -- helpers used by validation and scoring -------------------------------------------------

    def item_responses(self, item: Item) -> Responses:
        """The answers valid for an item (its own, else the instrument's)."""
        responses = item.responses or self.responses
        assert responses is not None
        return responses

    def item_score_bounds(self, item: Item) -> tuple[float, float]:
        """Lowest and highest score one item can contribute."""
        if self.scoring.method == "dichotomous":
            return 0.0, 1.0
        return self.item_responses(item).score_bounds()

    def subscale_items(self, subscale_id: str) -> list[Item]:
        """Items belonging to a subscale."""
        return [i for i in self.items if i.subscale == subscale_id]

    def score_names(self) -> list[str]:
        """Names usable in norms, reliability and rules: 'total' (if scored) and the subscale ids."""
        return ([TOTAL] if self.scoring.total else []) + [s.id for s in self.subscales]

    # -- validation parts ------------------------------------------------------------------------

    def _item_problems(self) -> Iterable[str]:
        codes = [i.code for i in self.items]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            yield f"items: duplicate item codes {duplicates}"
        for item in self.items:
            where = f"items.{item.code}"
            if item.responses is None and self.responses is None:
                yield f"{where}: no 'responses' on the item and none for the instrument"
                continue
            if not self.texts_shippable and (item.text_en or item.text_nl):
                yield f"{where}: item texts given but texts_shippable is false (the licence forbids them)"
            yield from self._item_scoring_problems(item, where)

    def _item_scoring_problems(self, item: Item, where: str) -> Iterable[str]:
        dichotomous = self.scoring.method == "dichotomous"
        if dichotomous and not item.scoring_codes:
            yield f"{where}: dichotomous scoring needs 'scoring_codes' (the answers that score 1)"
        if not dichotomous and item.scoring_codes:
            yield f"{where}: 'scoring_codes' only apply to dichotomous scoring"
        if dichotomous and item.reverse:
            yield f"{where}: with dichotomous scoring express keying through 'scoring_codes', not 'reverse'"
        if item.scoring_codes:
            unknown = sorted(set(item.scoring_codes) - set(self.item_responses(item).codes))
            if unknown:
                yield f"{where}: scoring_codes {unknown} are not answer codes of this item"

    def _subscale_problems(self) -> Iterable[str]:
        ids = [s.id for s in self.subscales]
        if len(set(ids)) != len(ids):
            yield f"subscales: duplicate ids {ids}"
        for sid in sorted(set(ids) & _RESERVED):
            yield f"subscales.{sid}: '{sid}' is a reserved name"
        for item in self.items:
            if item.subscale is not None and item.subscale not in ids:
                yield f"items.{item.code}: subscale '{item.subscale}' is not defined under 'subscales'"
        for sub in self.subscales:
            items = self.subscale_items(sub.id)
            if not items:
                yield f"subscales.{sub.id}: no item names this subscale"
                continue
            yield from _range_problems(f"subscales.{sub.id}", sub.range, self._expected_range(items, sub))
            yield from _band_problems(f"subscales.{sub.id}.categories", sub.categories, sub.range)

    def _total_problems(self) -> Iterable[str]:
        scoring = self.scoring
        if (scoring.method == "conversion") != (scoring.conversion is not None):
            yield "scoring.conversion: a conversion table is needed for, and only for, method 'conversion'"
        if not scoring.total:
            if scoring.method == "conversion":
                yield "scoring.total: conversion scoring needs a total"
            if not self.subscales:
                yield "scoring.total: an instrument without a total needs subscales"
            return
        if scoring.range is None or scoring.higher_is_better is None:
            yield "scoring: 'range' and 'higher_is_better' are required when a total is scored"
            return
        if scoring.method == "conversion" and scoring.conversion is not None:
            yield from self._conversion_problems(scoring.conversion)
        yield from _range_problems("scoring", scoring.range, self._expected_range(self.items, None))
        if scoring.missing.max_missing >= len(self.items):
            yield "scoring.missing.max_missing: must be below the number of items"

    def _conversion_problems(self, table: dict[int, float]) -> Iterable[str]:
        low = sum(self.item_score_bounds(i)[0] for i in self.items)
        high = sum(self.item_score_bounds(i)[1] for i in self.items)
        needed = set(range(int(low), int(high) + 1))
        missing = sorted(needed - set(table))
        if missing:
            yield f"scoring.conversion: no entry for raw totals {missing} (raw totals run {low:g}–{high:g})"
        values = [table[k] for k in sorted(table)]
        if any(b < a for a, b in pairwise(values)):
            yield "scoring.conversion: metric scores must not decrease as raw totals increase"

    def _category_problems(self) -> Iterable[str]:
        if self.categories and self.category_rules:
            yield "categories: give either 'categories' (bands on the total) or 'category_rules', not both"
        if self.categories:
            if not self.scoring.total or self.scoring.range is None:
                yield "categories: bands on the total need a scored total"
            else:
                yield from _band_problems("categories", self.categories, self.scoring.range)
        names = set(self.score_names())
        for n, rule in enumerate(self.category_rules):
            for name in sorted(set(rule.when) - names):
                yield f"category_rules.{n}: unknown score '{name}' (known: {sorted(names)})"
        if self.category_default and not self.category_rules:
            yield "category_default: only applies together with 'category_rules'"

    def _reference_problems(self) -> Iterable[str]:
        names = set(self.score_names())
        for field in ("norms", "reliability", "meaningful_change"):
            for n, entry in enumerate(getattr(self, field)):
                if entry.score not in names:
                    yield f"{field}.{n}.score: unknown score '{entry.score}' (known: {sorted(names)})"

    def _format_problems(self) -> Iterable[str]:
        ids = [f.id for f in self.answer_formats]
        if len(set(ids)) != len(ids):
            yield f"answer_formats: duplicate ids {ids}"
        if self.answer_format is not None and self.answer_formats and self.answer_format not in ids:
            yield f"answer_format: unknown format {self.answer_format!r} (formats: {', '.join(ids)})"
        codes = {i.code for i in self.items}
        for fmt in self.answer_formats:
            unknown = sorted(set(fmt.scoring_codes) - codes)
            if unknown:
                yield f"answer_formats.{fmt.id}.scoring_codes: unknown items {unknown}"
            for item, hits in fmt.scoring_codes.items():
                bad = sorted(set(hits) - set(fmt.responses.codes))
                if bad:
                    yield f"answer_formats.{fmt.id}.scoring_codes.{item}: {bad} are not answer codes of this format"
            if self.scoring.method == "dichotomous":
                lacking = [i.code for i in self.items if i.code not in fmt.scoring_codes]
                if lacking:
                    yield f"answer_formats.{fmt.id}.scoring_codes: dichotomous scoring needs codes for {lacking}"

    def _expected_range(self, items: list[Item], sub: Subscale | None) -> tuple[float, float] | None:
        """The range a score can take given its items and method (None if not checkable)."""
        method = _subscale_method(self, sub) if sub else self.scoring.method
        bounds = [self.item_score_bounds(i) for i in items]
        if method == "mean":
            return min(b[0] for b in bounds), max(b[1] for b in bounds)
        if method == "conversion":
            table = self.scoring.conversion or {}
            return (min(table.values()), max(table.values())) if table else None
        return sum(b[0] for b in bounds), sum(b[1] for b in bounds)


def _same(model: type[BaseModel], a: object, b: object) -> bool:
    """Whether two raw values validate to the same model (a dumped instrument repeats its active format)."""
    try:
        return model.model_validate(a) == model.model_validate(b)
    except ValidationError:
        return False


def _range_problems(where: str, declared: Bounds, expected: tuple[float, float] | None) -> Iterable[str]:
    if expected is None:
        return
    if abs(declared.min - expected[0]) > 1e-9 or abs(declared.max - expected[1]) > 1e-9:
        yield (
            f"{where}.range: declared {declared.min:g}–{declared.max:g} but the items and method "
            f"give {expected[0]:g}–{expected[1]:g}"
        )


def _band_problems(where: str, bands: list[Band], score_range: Bounds) -> Iterable[str]:
    labels = [b.label for b in bands]
    if len(set(labels)) != len(labels):
        yield f"{where}: duplicate labels {labels}"
    ordered = sorted(bands, key=lambda b: b.min)
    for band in ordered:
        if band.min < score_range.min or band.max > score_range.max:
            yield f"{where}: '{band.label}' ({band.min:g}–{band.max:g}) lies outside the score range"
    for a, b in pairwise(ordered):
        if b.min <= a.max:
            yield f"{where}: '{a.label}' and '{b.label}' overlap"


def _subscale_method(instrument: Instrument, sub: Subscale) -> str:
    """The aggregation a subscale uses: its own, else the total's (conversion becomes a raw sum)."""
    if sub.method:
        return sub.method
    return "sum" if instrument.scoring.method == "conversion" else instrument.scoring.method


# =============================================================================================
# Loading
# =============================================================================================


def _format_loc(loc: tuple[int | str, ...], data: object) -> str:
    """A readable field path: list positions of items and subscales are shown by their code/id."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
            entry = node[part]
            key = entry.get("code") or entry.get("id") if isinstance(entry, dict) else None
            parts.append(str(key) if key else str(part))
            node = entry
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def _validation_messages(path: Path, error: ValidationError, data: object) -> list[str]:
    messages = []
    for problem in error.errors():
        reason = problem["msg"].removeprefix("Value error, ")
        if not problem["loc"]:  # whole-file checks carry their own field paths
            messages += [f"{path.name}: {part}" for part in reason.split("; ")]
            continue
        messages.append(f"{path.name}: {_format_loc(tuple(problem['loc']), data)}: {reason}")
    return messages


def load_instrument_file(path: Path) -> Instrument:
    """Read and validate one instrument file; problems raise UserError naming file, field and reason."""
    try:
        data = load_yaml(path.read_text(encoding="utf-8"), path.name)
    except OSError as exc:
        raise UserError(f"{path}: cannot read the instrument file ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise UserError(f"{path.name}: not valid YAML{line}: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise UserError(f"{path.name}: an instrument file must be a mapping of fields, got {kind}")
    try:
        instrument = Instrument.model_validate(data)
    except ValidationError as exc:
        raise UserError(_validation_messages(path, exc, data)) from exc
    problems = []
    for fmt in instrument.formats[1:]:  # every other format must validate as well (ranges, codes)
        try:
            instrument.with_format(fmt.id)
        except ValidationError as exc:
            problems += [f"{path.name}: answer_formats.{fmt.id}: {m.split(': ', 1)[-1]}"
                         for m in _validation_messages(path, exc, data)]
    if problems:
        raise UserError(problems)
    return instrument


def _instrument_files(extra_dirs: list[Path] | None) -> list[Path]:
    dirs = [SHIPPED_DIR, *(Path(d) for d in extra_dirs or [])]
    files: list[Path] = []
    for directory in dirs:
        if not directory.is_dir():
            raise UserError(f"{directory}: instrument directory does not exist")
        files += sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    return files


def list_instruments(extra_dirs: list[Path] | None = None) -> list[Instrument]:
    """The shipped instruments plus those in `extra_dirs`, sorted by id; ids must be unique."""
    found: dict[str, tuple[Instrument, Path]] = {}
    problems: list[str] = []
    for path in _instrument_files(extra_dirs):
        try:
            instrument = load_instrument_file(path)
        except UserError as exc:
            problems += exc.messages
            continue
        if instrument.id in found:
            problems.append(f"{path.name}: id '{instrument.id}' is already used by {found[instrument.id][1]}")
            continue
        found[instrument.id] = (instrument, path)
    if problems:
        raise UserError(problems)
    return [found[k][0] for k in sorted(found)]


def load_instrument(id_or_path: str | Path, extra_dirs: list[Path] | None = None) -> Instrument:
    """An instrument by id (shipped or in `extra_dirs`) or from a file path."""
    path = Path(id_or_path)
    if path.suffix in {".yaml", ".yml"} or path.is_file():
        return load_instrument_file(path)
    for candidate in _instrument_files(extra_dirs):
        if candidate.stem == str(id_or_path):
            instrument = load_instrument_file(candidate)
            if instrument.id == str(id_or_path):
                return instrument
    for instrument in list_instruments(extra_dirs):
        if instrument.id == str(id_or_path):
            return instrument
    known = ", ".join(i.id for i in list_instruments(extra_dirs))
    raise UserError(f"unknown instrument '{id_or_path}'; known instruments: {known}")


# =============================================================================================
# Scoring
# =============================================================================================


def _valid_expr(value: pl.Expr, responses: Responses) -> pl.Expr:
    """True where a (numeric) answer is one of the valid codes."""
    if responses.options:
        return value.is_in([float(c) for c in responses.codes])
    return value.is_between(responses.min, responses.max) & (value == value.round(0))


def _invalid_expr(column: str, responses: Responses) -> pl.Expr:
    """True where a cell holds something that is not a valid answer (missing cells are fine)."""
    raw = pl.col(column)
    value = raw.cast(pl.Float64, strict=False)
    return raw.is_not_null() & (value.is_null() | ~_valid_expr(value, responses).fill_null(False))


def _check_columns(instrument: Instrument, frame: pl.DataFrame, columns: dict[str, str]) -> None:
    unknown = sorted(set(columns) - {i.code for i in instrument.items})
    missing = [
        f"{instrument.id}: item '{i.code}' expects column '{columns[i.code]}', which the data lacks"
        for i in instrument.items
        if columns[i.code] not in frame.columns
    ]
    if unknown:
        missing.insert(0, f"{instrument.id}: column mapping names unknown items {unknown}")
    if missing:
        raise UserError(missing)


def _invalid_report(
    instrument: Instrument, frame: pl.DataFrame, columns: dict[str, str]
) -> list[str]:
    """One message per column with invalid answers: column, example values and the valid range."""
    checks = {i.code: _invalid_expr(columns[i.code], instrument.item_responses(i)) for i in instrument.items}
    counts = frame.select([expr.sum().alias(code) for code, expr in checks.items()]).row(0, named=True)
    messages = []
    for item in instrument.items:
        n_bad = counts[item.code]
        if not n_bad:
            continue
        column = columns[item.code]
        examples = (
            frame.lazy().filter(checks[item.code]).select(pl.col(column).cast(pl.String))
            .unique(maintain_order=True).head(5).collect().to_series().to_list()
        )
        shown = ", ".join(repr(v) for v in examples)
        messages.append(
            f"{instrument.id}: column '{column}' (item '{item.code}') has {n_bad} invalid value(s), e.g. "
            f"{shown}; valid answers: {instrument.item_responses(item).describe()}"
        )
    return messages


def _item_score_expr(instrument: Instrument, item: Item, column: str, drop_invalid: bool) -> pl.Expr:
    """The score an item contributes: code → (mapped score | dichotomous 0/1), reverse-keyed if flagged."""
    responses = instrument.item_responses(item)
    value = pl.col(column).cast(pl.Float64, strict=False)
    if drop_invalid:
        value = pl.when(_valid_expr(value, responses)).then(value).otherwise(None)
    if instrument.scoring.method == "dichotomous":
        hits = [float(c) for c in item.scoring_codes or []]
        return pl.when(value.is_null()).then(None).otherwise(value.is_in(hits).cast(pl.Float64))
    if responses.has_custom_scores:
        value = value.replace_strict(
            [float(o.code) for o in responses.options], [o.value for o in responses.options],
            default=None, return_dtype=pl.Float64,
        )
    if item.reverse:
        low, high = responses.score_bounds()
        value = pl.lit(low + high) - value
    return value


def _aggregate(columns: list[str], method: str, rule: MissingRule) -> pl.Expr:
    """A row-wise sum or mean of item-score columns under a missing-data rule."""
    n_items = len(columns)
    answered = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in columns])
    if method == "mean":
        value = pl.mean_horizontal([pl.col(c) for c in columns])
    else:
        value = pl.sum_horizontal([pl.col(c) for c in columns])
        if rule.prorate:
            value = value * n_items / answered
    too_few = (n_items - answered > rule.max_missing) | (answered == 0)
    return pl.when(too_few).then(None).otherwise(value).cast(pl.Float64)


def _convert(raw: pl.Expr, table: dict[int, float]) -> pl.Expr:
    """Look a raw total up in a conversion table (rounding half up to a whole raw total first)."""
    keys = sorted(table)
    whole = (raw + 0.5).floor().cast(pl.Int64)
    return whole.replace_strict(keys, [table[k] for k in keys], default=None, return_dtype=pl.Float64)


def _band_expr(score: pl.Expr, bands: list[Band]) -> pl.Expr:
    """The label of the band a score falls in (missing if none)."""
    expr: pl.Expr | pl.When | pl.Then | None = None
    for band in bands:
        condition = score.is_between(band.min, band.max)
        expr = pl.when(condition) if expr is None else expr.when(condition)  # type: ignore[union-attr]
        expr = expr.then(pl.lit(band.label))
    return expr.otherwise(pl.lit(None, dtype=pl.String))  # type: ignore[union-attr]


def _rule_expr(rules: list[Rule], default: str | None, score_column: dict[str, str]) -> pl.Expr:
    """The label of the first rule whose bounds all hold; `default` where every score is present."""
    expr: pl.Expr | pl.When | pl.Then | None = None
    for rule in rules:
        condition = pl.all_horizontal(
            [pl.col(score_column[name]).is_between(b.min, b.max) for name, b in rule.when.items()]
        )
        expr = pl.when(condition) if expr is None else expr.when(condition)  # type: ignore[union-attr]
        expr = expr.then(pl.lit(rule.label))
    used = sorted({name for rule in rules for name in rule.when})
    present = pl.all_horizontal([pl.col(score_column[n]).is_not_null() for n in used])
    fallback = pl.when(present).then(pl.lit(default)).otherwise(pl.lit(None, dtype=pl.String))
    return expr.otherwise(fallback) if default else expr.otherwise(pl.lit(None, dtype=pl.String))  # type: ignore[union-attr]


def _score_exprs(instrument: Instrument, temp: dict[str, str]) -> dict[str, pl.Expr]:
    """Expressions for the total (and raw total) and every subscale, keyed by output column."""
    iid, scoring = instrument.id, instrument.scoring
    out: dict[str, pl.Expr] = {}
    if scoring.total:
        method = "sum" if scoring.method in {"dichotomous", "conversion"} else scoring.method
        total = _aggregate(list(temp.values()), method, scoring.missing)
        if scoring.method == "conversion" and scoring.conversion is not None:
            out[f"{iid}.raw"] = total
            total = _convert(total, scoring.conversion)
        out[iid] = total.round(scoring.round_to) if scoring.round_to is not None else total
    for sub in instrument.subscales:
        cols = [temp[i.code] for i in instrument.subscale_items(sub.id)]
        method = "mean" if _subscale_method(instrument, sub) == "mean" else "sum"
        out[f"{iid}.{sub.id}"] = _aggregate(cols, method, sub.missing or scoring.missing)
    return out


def _category_exprs(instrument: Instrument) -> dict[str, pl.Expr]:
    """Category columns from bands on the total and subscales, and from compound rules."""
    iid = instrument.id
    out: dict[str, pl.Expr] = {}
    if instrument.categories:
        out[f"{iid}.category"] = _band_expr(pl.col(iid), instrument.categories)
    if instrument.category_rules:
        names = {TOTAL: iid, **{s.id: f"{iid}.{s.id}" for s in instrument.subscales}}
        out[f"{iid}.category"] = _rule_expr(instrument.category_rules, instrument.category_default, names)
    for sub in instrument.subscales:
        if sub.categories:
            out[f"{iid}.{sub.id}.category"] = _band_expr(pl.col(f"{iid}.{sub.id}"), sub.categories)
    return out


# =============================================================================================
# Answer formats found in data
# =============================================================================================


def say_in_language(en: str, nl: str) -> str:
    """A message in the user's language (the web app sets `limits.language`; the CLI speaks English)."""
    return nl if (limits.language() or "en")[:2] == "nl" else en


def _codes_text(codes: Iterable[float]) -> str:
    return ", ".join(f"{c:g}" for c in codes)


def _valid_codes(responses: Responses, found: list[float]) -> list[float]:
    """The codes in `found` that are not valid answers of `responses`."""
    if responses.options:
        allowed = {float(c) for c in responses.codes}
        return [c for c in found if c not in allowed]
    assert responses.min is not None and responses.max is not None
    return [c for c in found if not (responses.min <= c <= responses.max and float(c).is_integer())]


@dataclass(frozen=True)
class FormatFit:
    """Which answer format the codes in a data file fit.

    `found`: item code -> the distinct numeric codes in its column; `outside`: format id -> item code ->
    codes that are not answers of that format; `likely`: the format the codes fit most tightly (fewest
    possible codes), None when they fit none.
    """

    instrument: str
    declared: str
    likely: str | None
    found: dict[str, list[float]]
    columns: dict[str, str]
    outside: dict[str, dict[str, list[float]]]
    expected: dict[str, dict[str, list[int]]]

    @property
    def fits_declared(self) -> bool:
        return not self.outside[self.declared]

    @property
    def better(self) -> str | None:
        """Another format the codes fit better than the declared one (or None)."""
        return self.likely if self.likely not in (None, self.declared) else None

    def _items_with_codes(self) -> str:
        by_codes: dict[tuple[float, ...], list[str]] = {}
        for item, codes in self.found.items():
            if codes:
                by_codes.setdefault(tuple(codes), []).append(item)
        return "; ".join(f"{', '.join(items)}: {_codes_text(codes)}" for codes, items in by_codes.items())

    def warnings(self) -> list[str]:
        """A warning when the codes fit another format better than the declared one."""
        if not self.fits_declared or self.better is None:
            return []
        found = self._items_with_codes()
        return [say_in_language(
            f"{self.instrument}: the answers ({found}) fit the answer format {self.better!r} better than "
            f"{self.declared!r}, with which they are scored; if the questionnaire used {self.better!r}, "
            f"set answer_format: {self.better} in the mapping (or recode the answers)",
            f"{self.instrument}: de antwoorden ({found}) passen beter bij antwoordschaal {self.better!r} dan "
            f"bij {self.declared!r}, waarmee ze worden gescoord; gebruikte de vragenlijst {self.better!r}, "
            f"zet dan answer_format: {self.better} in de koppeling (of hercodeer de antwoorden)",
        )]

    def errors(self, file: str) -> list[str]:
        """One message per column whose codes are not answers of the declared format."""
        wrong = self.outside[self.declared]
        hint_en = (f"they fit the answer format {self.likely!r}: set answer_format: {self.likely}"
                   if self.likely else "they fit none of its answer formats "
                   f"({', '.join(self.outside)}): recode them, or list them under missing_codes")
        hint_nl = (f"ze passen bij antwoordschaal {self.likely!r}: zet answer_format: {self.likely}"
                   if self.likely else "ze passen bij geen van de antwoordschalen "
                   f"({', '.join(self.outside)}): hercodeer ze, of zet ze onder missing_codes")
        return [say_in_language(
            f"{file}: column {self.columns[item]!r} (item {item} of {self.instrument}) holds codes "
            f"{_codes_text(codes)}, which answer format {self.declared!r} does not have (it expects "
            f"{_codes_text(self.expected[self.declared][item])}); {hint_en}",
            f"{file}: kolom {self.columns[item]!r} (item {item} van {self.instrument}) bevat codes "
            f"{_codes_text(codes)}, die antwoordschaal {self.declared!r} niet kent (verwacht: "
            f"{_codes_text(self.expected[self.declared][item])}); {hint_nl}",
        ) for item, codes in wrong.items()]


def found_codes(frame: pl.DataFrame, columns: dict[str, str]) -> dict[str, list[float]]:
    """Item code -> the distinct numeric codes in its column (one vectorised pass; text that is not a number
    and missing cells are left out)."""
    present = {code: col for code, col in columns.items() if col in frame.columns}
    if not present or frame.height == 0:
        return {code: [] for code in columns}
    row = frame.select(
        pl.col(col).cast(pl.Float64, strict=False).fill_nan(None).drop_nulls().unique().sort().implode().alias(code)
        for code, col in present.items()
    ).row(0, named=True)
    return {code: [float(v) for v in row.get(code) or []] for code in columns}


def fit_formats(
    instrument: Instrument | str, frame: pl.DataFrame, columns: dict[str, str] | None = None,
    answer_format: str | None = None,
) -> FormatFit:
    """How the codes in `frame` fit each answer format of the instrument (declared: `answer_format`, else
    the instrument's default)."""
    if isinstance(instrument, str):
        instrument = load_instrument(instrument)
    declared = instrument.with_format(answer_format) if answer_format else instrument
    mapping = {i.code: i.code for i in instrument.items} | (columns or {})
    found = found_codes(frame, mapping)
    outside: dict[str, dict[str, list[float]]] = {}
    expected: dict[str, dict[str, list[int]]] = {}
    sizes: dict[str, int] = {}
    for fmt in instrument.formats:
        variant = instrument.with_format(fmt.id)
        answers = {i.code: variant.item_responses(i) for i in variant.items}
        expected[fmt.id] = {code: r.codes for code, r in answers.items()}
        wrong = {code: _valid_codes(answers[code], found[code]) for code in answers}
        outside[fmt.id] = {code: codes for code, codes in wrong.items() if codes}
        sizes[fmt.id] = sum(len(c) for c in expected[fmt.id].values())
    fitting = [f for f in instrument.format_ids() if not outside[f]]
    order = instrument.format_ids()
    likely = min(fitting, key=lambda f: (sizes[f], f != declared.format.id, order.index(f))) if fitting else None
    return FormatFit(instrument.id, declared.format.id, likely, found, mapping, outside, expected)


def recode_exprs(recode: dict[str, dict[float, float]], schema: pl.Schema) -> list[pl.Expr]:
    """Expressions replacing codes per column (all replacements at once, so 1<->3 swaps work)."""
    exprs = []
    for column, table in recode.items():
        if column not in schema:
            continue
        numeric = schema[column].is_numeric()
        old = [float(k) if numeric else _code_text(k) for k in table]
        new = [float(v) if numeric else _code_text(v) for v in table.values()]
        source = pl.col(column) if numeric else pl.col(column).cast(pl.String)
        exprs.append(source.replace(old, new).alias(column))
    return exprs


def _code_text(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def score(
    instrument: Instrument | str,
    frame: pl.DataFrame,
    columns: dict[str, str] | None = None,
    invalid: Literal["raise", "missing"] = "raise",
    answer_format: str | None = None,
) -> pl.DataFrame:
    """Return `frame` with the instrument's score columns added (vectorised over rows).

    `columns` maps item code -> column name (default: the item code). Answers that are not valid
    codes raise UserError naming column, values and valid range, or become missing with
    ``invalid="missing"``. Scores are Float64; categories are strings. `answer_format` names one of the
    instrument's published answer formats (default: its first); see `fit_formats` to check the data first.
    """
    if isinstance(instrument, str):
        instrument = load_instrument(instrument)
    instrument = instrument.with_format(answer_format)
    if invalid not in ("raise", "missing"):
        raise UserError(f"invalid must be 'raise' or 'missing', got {invalid!r}")
    mapping = {i.code: i.code for i in instrument.items} | (columns or {})
    _check_columns(instrument, frame, mapping)
    if invalid == "raise":
        problems = _invalid_report(instrument, frame, mapping)
        if problems:
            raise UserError(problems)
    temp = {item.code: f"__impactlab_item_{n}" for n, item in enumerate(instrument.items)}
    items = [
        _item_score_expr(instrument, item, mapping[item.code], invalid == "missing").alias(temp[item.code])
        for item in instrument.items
    ]
    scores = _score_exprs(instrument, temp)
    result = frame.with_columns(items).with_columns(
        [expr.alias(name) for name, expr in scores.items()]
    )
    categories = _category_exprs(instrument)
    if categories:
        result = result.with_columns([expr.alias(name) for name, expr in categories.items()])
    return result.drop(list(temp.values()))

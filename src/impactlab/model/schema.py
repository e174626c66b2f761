"""The impact model document (format version 1): typed, validated, YAML round-trip.

The keys and their meanings are a public contract (see docs/model-format.md). Numbers that are
assumptions may carry a range: ``{base, low, high, dist, sd}``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

FORMAT_VERSION = 1


class Strict(BaseModel):
    """Base of every model part: unknown keys are errors (with a did-you-mean in the loader)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Range(Strict):
    """An uncertain number: its base value and a plausible low and high, with a distribution."""

    base: float
    low: float
    high: float
    dist: Literal["triangular", "uniform", "normal"] = "triangular"
    sd: float | None = Field(default=None, gt=0)
    source: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low <= self.base <= self.high:
            raise PydanticCustomError(
                "structure.range_order",
                "a range needs low <= base <= high, got low {low}, base {base}, high {high}",
                {"low": f"{self.low:g}", "base": f"{self.base:g}", "high": f"{self.high:g}"},
            )
        if self.dist == "normal" and self.sd is None:
            raise PydanticCustomError("structure.normal_sd", "a normal range needs sd (its standard deviation)")
        return self


Number = float | Range
"""A plain number or a range around it."""


WELLBY_SCORES: dict[str, str | None] = {
    "ons4-life-satisfaction": None, "ons4": "life_satisfaction", "cantril-ladder": None, "cantril": "present"}
"""The 0-10 life evaluations a WELLBY is measured on (instrument -> its score; None: the total)."""


class EvidenceQuantity(Strict):
    """An outcome quantity computed from a dataset snapshot (see docs/model-format.md, evidence quantities)."""

    dataset: str
    instrument: str
    pre: str
    post: str
    rule: Literal["reliable_improvement", "improvement", "recovered", "above_cutoff"] = "reliable_improvement"
    scale_to: str | None = None
    snapshot: str | None = None
    comparison: str | None = Field(default=None, description="value of the group column marking a comparison group")
    group_column: str | None = None
    score: str | None = Field(default=None, description="a subscale instead of the instrument's total")
    reliability: float | None = Field(default=None, gt=0, le=1)
    threshold: float | None = None
    measure: Literal["share", "wellby"] = Field(
        default="share", description="share: people meeting the rule; wellby: the mean change in life satisfaction "
        "(0-10) per person, in WELLBYs a year (HM Treasury Green Book wellbeing guidance)")

    @model_validator(mode="after")
    def _wellby_keys(self) -> EvidenceQuantity:
        if self.measure != "wellby":
            return self
        for key in ("rule", "reliability", "threshold"):
            if key in self.model_fields_set:
                raise PydanticCustomError("structure.wellby_key",
                                          "measure wellby values the mean change of every respondent: {key} is "
                                          "for measure share (people who meet a rule)", {"key": key})
        if self.comparison is not None and self.group_column is None:
            raise PydanticCustomError("structure.comparison_group_column",
                                      "comparison needs group_column: the column holding the group")
        return self


def base_of(value: Number | EvidenceQuantity | None) -> float | None:
    """The base value of a plain number or a range (None for evidence references and None)."""
    if isinstance(value, Range):
        return value.base
    if isinstance(value, int | float):
        return float(value)
    return None


class Programme(Strict):
    name: str
    organisation: str | None = None
    currency: str = "EUR"
    price_year: int
    description: str | None = None
    partners: list[str] = Field(default_factory=list)
    period: str | None = None


class ValuationSettings(Strict):
    discount_rate: Number = 0.035
    discount_first_year: bool = True
    index: str | None = "cpi"
    min_cell: int = Field(default=10, ge=1)


class Stakeholder(Strict):
    id: str
    name: str
    size: float | None = Field(default=None, ge=0)
    description: str | None = None
    category: str | None = None
    involvement: str | None = None


class Proxy(Strict):
    id: str
    name: str
    value: Number
    unit: str | None = None
    unit_kind: str | None = Field(default=None, description="what one unit is, as a kind of impactlab.model.units")
    price_year: int
    source: str
    currency: str | None = None
    notes: str | None = None


class Input(Strict):
    id: str
    stakeholder: str
    description: str | None = None
    amount: Number | None = None
    quantity: Number | None = None
    proxy: str | None = None
    year: int = Field(default=0, ge=0)
    support: Literal["formal", "informal"] | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _money_or_valued_time(self) -> Input:
        if self.amount is None and (self.quantity is None or self.proxy is None):
            raise PydanticCustomError("structure.input_needs_value",
                                      "an input needs either amount, or quantity together with proxy")
        if self.amount is not None and (self.quantity is not None or self.proxy is not None):
            raise PydanticCustomError("structure.input_not_both",
                                      "an input has either amount, or quantity with proxy, not both")
        return self


class Activity(Strict):
    id: str
    name: str
    stakeholders: list[str] = Field(default_factory=list,
                                    description="the stakeholders it is for or done with (their own activity)")
    description: str | None = None
    inputs: list[str] = Field(default_factory=list)


class Output(Strict):
    id: str
    activity: str
    stakeholders: list[str] = Field(default_factory=list, description="the stakeholders it is for (their own output)")
    description: str
    quantity: float | None = Field(default=None, ge=0)
    unit: str | None = None
    source: str | None = None


class Conversion(Strict):
    """How many units of the proxy's unit one unit of the outcome's quantity is (e.g. 0.4 WELLBY per person)."""

    factor: float
    to: str = Field(description="the proxy's unit kind (impactlab.model.units.KINDS)")
    source: str

    @field_validator("factor")
    @classmethod
    def _positive(cls, factor: float) -> float:
        if not factor > 0:
            raise PydanticCustomError("structure.conversion_factor",
                                      "a conversion factor must be more than 0, got {factor}",
                                      {"factor": f"{factor:g}"})
        return factor


Fraction = Annotated[Number, Field(description="a fraction in [0, 1], or a range of fractions")]


class Outcome(Strict):
    id: str
    stakeholder: str
    description: str
    indicator: str | None = None
    quantity: Number | EvidenceQuantity
    unit: str | None = None
    proxy: str | None = None
    conversion: Conversion | None = None
    value: Number | None = None
    deadweight: Fraction = 0.0
    attribution: Fraction = 0.0
    displacement: Fraction = 0.0
    drop_off: Fraction = 0.0
    duration: Number = 1
    start_year: int = Field(default=1, ge=0)
    transfer_from: str | None = None
    outputs: list[str] = Field(default_factory=list)
    sources: dict[str, str] = Field(default_factory=dict)
    # set when evidence resolved the quantity to a measured change (measure: wellby), which may be negative:
    # simulate then draws it without the floor at zero (not part of the document)
    _signed_quantity: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _one_valuation(self) -> Outcome:
        if (self.proxy is None) == (self.value is None):
            raise PydanticCustomError("structure.outcome_one_valuation",
                                      "an outcome needs exactly one of proxy (a proxy id) or value (per unit)")
        return self


class ImpactModel(Strict):
    impactlab: Literal[1] = FORMAT_VERSION
    programme: Programme
    valuation: ValuationSettings = Field(default_factory=ValuationSettings)
    stakeholders: list[Stakeholder]
    proxies: list[Proxy] = Field(default_factory=list)
    indices: dict[str, dict[int, float]] = Field(default_factory=dict)
    inputs: list[Input] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    outputs: list[Output] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)

    @field_validator("indices")
    @classmethod
    def _positive_index(cls, indices: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        for name, series in indices.items():
            for year, level in series.items():
                if level <= 0:
                    raise PydanticCustomError("structure.index_positive",
                                              "index {name} year {year}: must be positive, got {level}",
                                              {"name": name, "year": year, "level": f"{level:g}"})
        return indices

    def stakeholder(self, stakeholder_id: str) -> Stakeholder:
        return next(s for s in self.stakeholders if s.id == stakeholder_id)

    def to_document(self) -> dict[str, Any]:
        """The model as a plain document (what the YAML file holds), without unset defaults."""
        return self.model_dump(mode="json", exclude_unset=True, exclude_none=True)

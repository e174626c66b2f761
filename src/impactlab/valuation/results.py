"""Plain result objects of a valuation, with DataFrame views and the JSON contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class OutcomeValue:
    """One outcome's valuation: the chain from quantity to present value, with its trail."""

    id: str
    stakeholder: str
    description: str
    indicator: str | None
    quantity: float
    unit_value: float
    proxy: str | None
    index_factor: float
    deadweight: float
    displacement: float
    attribution: float
    drop_off: float
    duration: int
    start_year: int
    transfer_from: str | None
    impact_first_year: float
    impact_by_year: list[float]
    present_value: float
    waterfall: dict[str, float]
    trail: dict[str, str] = field(default_factory=dict)


@dataclass
class InputValue:
    """One input: who puts it in, its value, and its discounted value."""

    id: str
    stakeholder: str
    description: str | None
    support: str | None
    year: int
    value: float
    present_value: float
    trail: str | None = None


@dataclass
class StakeholderBalance:
    """Who pays and who benefits: one row of the distribution table (Effectenarena)."""

    id: str
    name: str
    invested: float
    benefits: float
    net: float


@dataclass
class SocietyView:
    """The MKBA view: transfers cancel out at the level of society."""

    benefits: float
    costs: float
    npv: float
    bc_ratio: float | None


@dataclass
class ValuationResult:
    """The SROI value map and the MKBA view of one model."""

    programme: str
    currency: str
    price_year: int
    discount_rate: float
    discount_first_year: bool
    index: str | None
    investment: float
    present_value: float
    net_present_value: float
    sroi_ratio: float | None
    net_sroi_ratio: float | None
    payback_months: float | None
    society: SocietyView
    years: list[int]
    outcomes: list[OutcomeValue]
    inputs: list[InputValue]
    stakeholders: list[StakeholderBalance]
    support_balance: dict[str, float]
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``impactlab value --format json`` (plain, unrounded numbers)."""
        return asdict(self)

    def outcomes_frame(self) -> pd.DataFrame:
        """One row per outcome: the value map."""
        import pandas as pd  # only the DataFrame views need pandas (issue 13)

        rows = [{k: v for k, v in asdict(o).items() if k not in ("impact_by_year", "waterfall", "trail")}
                for o in self.outcomes]
        return pd.DataFrame(rows).set_index("id") if rows else pd.DataFrame()

    def impact_frame(self) -> pd.DataFrame:
        """Impact per outcome (rows) and year (columns), undiscounted."""
        import pandas as pd

        return pd.DataFrame({o.id: o.impact_by_year for o in self.outcomes}, index=self.years).T

    def inputs_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([asdict(i) for i in self.inputs]).set_index("id") if self.inputs else pd.DataFrame()

    def stakeholders_frame(self) -> pd.DataFrame:
        """Who pays and who benefits, per stakeholder."""
        import pandas as pd

        return pd.DataFrame([asdict(s) for s in self.stakeholders]).set_index("id")

    def waterfall_frame(self) -> pd.DataFrame:
        """Per outcome: gross value and what each deduction and discounting takes off."""
        import pandas as pd

        return pd.DataFrame({o.id: o.waterfall for o in self.outcomes}).T

"""The mapping file: which source column plays which role in a dataset snapshot.

```yaml
respondent_id: client_nr          # pseudonymised; never stored as is
wave: meting                      # or: wave_value: T0 (a file that holds one wave)
group: [wijk, team]               # categorical breakdowns
instrument: djg-11                # items default to the instrument's item codes as column names
answer_format: three_point        # one of the instrument's published answer formats (default: its first)
recode: {lone1: {1: 3, 3: 1}}     # COLUMN_OR_ITEM: {FROM: TO}, applied before the answers are checked
items: {djg_1: V12, djg_2: V13}   # item code -> source column
identifiers: [naam, email, bsn]   # direct identifiers: dropped
date_of_birth: geboortedatum      # becomes an age band at age_reference_date (default: import date)
free_text: [toelichting]          # kept, with e-mails, phone numbers and BSNs scrubbed
keep: [geslacht]                  # other columns kept as they are
valid: {djg_1: {min: 1, max: 5}, geslacht: {codes: [1, 2, 3]}}
missing_codes: {djg_1: [9, 99]}   # answers that mean "no answer": become empty
```
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from impactlab.errors import UserError
from impactlab.limits import load_yaml

Code = int | float | str


def instrument_defaults(instrument_id: str, answer_format: str | None = None) -> dict[str, list[int]]:
    """Item code -> valid answer codes of an instrument from the library, in one of its answer formats
    (default: its first); UserError if the instrument or the format is unknown."""
    from impactlab.evidence.instruments import load_instrument

    instrument = load_instrument(instrument_id).with_format(answer_format)
    return {item.code: instrument.item_responses(item).codes for item in instrument.items}


class Rule(BaseModel):
    """A validity rule: a numeric range, or a list of allowed codes."""

    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None
    codes: list[Code] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        if self.codes is None and self.min is None and self.max is None:
            raise ValueError("give min and/or max, or codes")
        if self.codes is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either min/max or codes, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is larger than max {self.max}")
        return self

    @property
    def numeric(self) -> bool:
        return self.codes is None or all(isinstance(c, int | float) for c in self.codes)


class Mapping(BaseModel):
    """A validated mapping; `load_mapping` reads one from YAML."""

    model_config = ConfigDict(extra="forbid")
    respondent_id: str
    wave: str | None = None
    wave_value: str | None = None
    group: list[str] = Field(default_factory=list)
    instrument: str | None = None
    answer_format: str | None = None
    recode: dict[str, dict[Code, Code]] = Field(default_factory=dict)
    items: dict[str, str] = Field(default_factory=dict)
    identifiers: list[str] = Field(default_factory=list)
    date_of_birth: str | None = None
    age_reference_date: date | None = None
    free_text: list[str] = Field(default_factory=list)
    keep: list[str] = Field(default_factory=list)
    valid: dict[str, Rule] = Field(default_factory=dict)
    missing_codes: dict[str, list[Code]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Mapping:
        if (self.wave is None) == (self.wave_value is None):
            raise ValueError("give exactly one of 'wave' (a column) or 'wave_value' (a constant such as T0)")
        if self.answer_format is not None and self.instrument is None:
            raise ValueError("answer_format needs an instrument (instrument: ...)")
        if self.instrument is not None:
            try:
                answers = instrument_defaults(self.instrument, self.answer_format)
            except UserError as error:
                raise ValueError("; ".join(error.messages)) from None
            self.items = self.items or {code: code for code in answers}
            for code in self.items:
                if code in answers:
                    self.valid.setdefault(code, Rule(codes=list(answers[code])))
        clash = [code for code in self.items if code in ("respondent", "wave", "age_band")]
        if clash:
            raise ValueError(f"item code {clash[0]!r} is the name of a snapshot column; choose another code")
        roles = self.role_of_columns()
        for column, role_list in roles.items():
            if len(role_list) > 1:
                raise ValueError(f"column {column!r} has more than one role: {', '.join(role_list)}")
        targets = set(self.items) | set(self.items.values()) | set(roles)
        for key, section in (("valid", self.valid), ("missing_codes", self.missing_codes), ("recode", self.recode)):
            unknown = [c for c in section if c not in targets]
            if unknown:
                raise ValueError(f"{key} names {', '.join(map(repr, unknown))}, not a mapped column or item")
        return self

    def role_of_columns(self) -> dict[str, list[str]]:
        """Source column -> roles (more than one role is an error)."""
        roles: dict[str, list[str]] = {}
        pairs = [("respondent_id", self.respondent_id), ("wave", self.wave), ("date_of_birth", self.date_of_birth)]
        pairs += [("group", c) for c in self.group] + [("item", c) for c in self.items.values()]
        pairs += [("identifier", c) for c in self.identifiers] + [("free_text", c) for c in self.free_text]
        pairs += [("keep", c) for c in self.keep]
        for role, column in pairs:
            if column is not None:
                roles.setdefault(column, []).append(role)
        return roles

    def source_columns(self) -> list[str]:
        """The columns to read from the file (identifiers are not read at all)."""
        return [c for c, roles in self.role_of_columns().items() if roles != ["identifier"]]

    def rule_for(self, source_column: str) -> Rule | None:
        """The validity rule of a source column (rules may name the item code or the column).

        An item code owns its key: a column that is not that item but has the same name gets no rule from it.
        """
        code = next((k for k, v in self.items.items() if v == source_column), None)
        if source_column in self.valid and (source_column not in self.items or source_column == code):
            return self.valid[source_column]
        return self.valid.get(code) if code else None

    def recode_for(self, source_column: str) -> dict[Code, Code]:
        """The recoding of a source column (named by the column or by its item code)."""
        if source_column in self.recode:
            return self.recode[source_column]
        code = next((k for k, v in self.items.items() if v == source_column), None)
        return self.recode.get(code, {}) if code else {}

    def missing_for(self, source_column: str) -> list[Code]:
        code = next((k for k, v in self.items.items() if v == source_column), None)
        mine = source_column not in self.items or source_column == code
        own = self.missing_codes.get(source_column) if mine else None
        return own or (self.missing_codes.get(code, []) if code else [])

    def fingerprint(self) -> str:
        """sha256 of the mapping as used (after defaults), recorded in the snapshot."""
        return hashlib.sha256(json.dumps(self.as_dict(), sort_keys=True).encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def load_mapping(source: Path | str | dict[str, Any] | Mapping) -> Mapping:
    """A Mapping from a YAML file (or a dict); errors name the file and the key."""
    if isinstance(source, Mapping):
        return source
    if isinstance(source, dict):
        return parse_mapping(source, "mapping")
    path = Path(source)
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"), path.name)
    except OSError as error:
        raise UserError(f"{path.name}: cannot read the mapping file ({error.strerror}).") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise UserError(f"{path.name}: not valid YAML ({str(error).splitlines()[0]}).") from None
    if not isinstance(raw, dict):
        raise UserError(f"{path.name}: a mapping file must be a YAML mapping of keys such as respondent_id.")
    return parse_mapping(raw, path.name)


def parse_mapping(raw: dict[str, Any], name: str) -> Mapping:
    try:
        return Mapping.model_validate(raw)
    except ValidationError as error:
        messages = []
        for problem in error.errors():
            where = ".".join(str(p) for p in problem["loc"]) or "(top level)"
            text = problem["msg"].removeprefix("Value error, ")
            if problem["type"] == "extra_forbidden":
                text = "unknown key"
            messages.append(f"{name}: {where}: {text}")
        raise UserError(messages) from None

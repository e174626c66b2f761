"""A coding project: hierarchical codebook, documents, codings and memos; frequencies, co-occurrence, agreement.

A coding marks characters ``start`` (inclusive) to ``end`` (exclusive) of a document's text with a code,
by one coder. Co-occurrence counts pairs of *different* codes whose codings by the *same* coder overlap
in the same document (a same-segment pair is the strongest overlap; merely touching ranges do not count):
pairs across coders would mix disagreement with co-occurrence.

Agreement per code compares coders unit by unit, a unit being coded (1) or not (0) with the code:
``unit="character"`` (default) makes every character of the document a unit, as NVivo's coding
comparison does, so it needs no segmentation and weighs long passages by their length;
``unit="segment"`` makes every non-empty line (paragraph) a unit, coded if any coding of the code
overlaps it. Cohen's kappa with exactly two coders; Krippendorff's alpha (nominal) with any number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from impactlab.evidence.agreement import cohen_kappa, krippendorff_alpha

_ID = r"^[A-Za-z0-9_][A-Za-z0-9_.:{}\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Code(_Strict):
    """A code in the codebook; `parent` makes the hierarchy."""

    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    parent: str | None = None
    definition: str = ""
    colour: str | None = Field(default=None, pattern=r"^#[0-9A-Fa-f]{6}$")


class Codebook(_Strict):
    """Codes with unique ids, existing parents and no cycles."""

    codes: list[Code] = Field(default_factory=list)

    @model_validator(mode="after")
    def _tree(self) -> Codebook:
        ids = [c.id for c in self.codes]
        problems = [f"code id '{i}' is used more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
        parents = {c.id: c.parent for c in self.codes}
        for code in self.codes:
            if code.parent is not None and code.parent not in parents:
                problems.append(f"code '{code.id}': parent '{code.parent}' is not in the codebook")
            seen, node = {code.id}, code.parent
            while node is not None and node in parents:
                if node in seen:
                    problems.append(f"code '{code.id}': its parents form a cycle")
                    break
                seen.add(node)
                node = parents[node]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def code(self, code_id: str) -> Code:
        return {c.id: c for c in self.codes}[code_id]

    def children(self, code_id: str | None) -> list[Code]:
        """Direct children of a code (top-level codes for None), in codebook order."""
        return [c for c in self.codes if c.parent == code_id]

    def ancestors(self, code_id: str) -> list[str]:
        """Parent, grandparent, ... of a code."""
        out, node = [], self.code(code_id).parent
        while node is not None:
            out.append(node)
            node = self.code(node).parent
        return out

    def path(self, code_id: str) -> str:
        """'Grandparent / Parent / Code' by name."""
        return " / ".join(self.code(i).name for i in [*reversed(self.ancestors(code_id)), code_id])


class SourceDocument(_Strict):
    """A transcript or story: its text (see `documents.extract_text`) and the stakeholder group it is from."""

    id: str = Field(pattern=_ID)
    name: str
    text: str
    group: str | None = None
    memo: str | None = None


class Coding(_Strict):
    """Characters `start`..`end` (exclusive) of a document, coded with `code` by `coder`, with an optional memo."""

    document: str
    start: int = Field(ge=0)
    end: int
    code: str
    coder: str = Field(min_length=1)
    memo: str | None = None

    @model_validator(mode="after")
    def _range(self) -> Coding:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class CodingProject(_Strict):
    """Everything a coding team works on; codings must point at existing documents, codes and text."""

    name: str
    codebook: Codebook = Field(default_factory=Codebook)
    documents: list[SourceDocument] = Field(default_factory=list)
    codings: list[Coding] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> CodingProject:
        docs = {d.id: d for d in self.documents}
        codes = {c.id for c in self.codebook.codes}
        problems = [f"document id '{i}' is used more than once" for i in docs if
                    sum(d.id == i for d in self.documents) > 1]
        for n, coding in enumerate(self.codings):
            if coding.document not in docs:
                problems.append(f"codings[{n}]: unknown document '{coding.document}'")
            elif coding.end > len(docs[coding.document].text):
                problems.append(f"codings[{n}]: end {coding.end} is beyond the text of '{coding.document}' "
                                f"({len(docs[coding.document].text)} characters)")
            if coding.code not in codes:
                problems.append(f"codings[{n}]: unknown code '{coding.code}'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def document(self, document_id: str) -> SourceDocument:
        return {d.id: d for d in self.documents}[document_id]

    def quote(self, coding: Coding) -> str:
        """The coded text."""
        return self.document(coding.document).text[coding.start:coding.end]

    @property
    def groups(self) -> dict[str, str]:
        """document id -> stakeholder group, for documents that have one."""
        return {d.id: d.group for d in self.documents if d.group is not None}


# ------------------------------------------------------------------------------------ frequencies
def codings_frame(codings: Iterable[Coding], groups: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The codings as a frame (document, start, end, code, coder, memo[, group])."""
    rows = [c.model_dump() for c in codings]
    schema = {"document": pl.String, "start": pl.Int64, "end": pl.Int64, "code": pl.String, "coder": pl.String,
              "memo": pl.String}
    frame = pl.DataFrame(rows, schema=schema)
    if groups is not None:
        frame = frame.with_columns(pl.col("document").replace_strict(dict(groups), default=None,
                                                                      return_dtype=pl.String).alias("group"))
    return frame


def code_frequencies(codings: Iterable[Coding], groups: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Per code (and per stakeholder group if `groups` maps document -> group): the number of codings,
    distinct documents and coders, and the characters coded. Sorted by group, then most codings first.
    """
    frame = codings_frame(codings, groups)
    keys = ["group", "code"] if groups is not None else ["code"]
    return (
        frame.group_by(keys)
        .agg(
            pl.len().alias("codings"),
            pl.col("document").n_unique().alias("documents"),
            pl.col("coder").n_unique().alias("coders"),
            (pl.col("end") - pl.col("start")).sum().alias("characters"),
        )
        .sort([*keys[:-1], "codings", "code"], descending=[*([False] * (len(keys) - 1)), True, False])
    )


def co_occurrence(codings: Iterable[Coding], groups: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Pairs of different codes (code_a < code_b) whose codings by the same coder overlap in a document:
    the number of overlapping coding pairs and of documents (per stakeholder group with `groups`).
    """
    frame = codings_frame(codings, groups)
    keys = ["group"] if groups is not None else []
    pairs = (
        frame.join(frame, on=["document", "coder", *keys], suffix="_b")
        .filter(
            (pl.col("code") < pl.col("code_b"))
            & (pl.col("start") < pl.col("end_b"))
            & (pl.col("start_b") < pl.col("end"))
        )
        .rename({"code": "code_a"})
    )
    return (
        pairs.group_by([*keys, "code_a", "code_b"])
        .agg(pl.len().alias("count"), pl.col("document").n_unique().alias("documents"))
        .sort([*keys, "count", "code_a", "code_b"], descending=[*([False] * len(keys)), True, False, False])
    )


# -------------------------------------------------------------------------------------- agreement
def _segments(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line."""
    spans, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _coded_units(text: str, spans: Iterable[tuple[int, int]], unit: str) -> np.ndarray:
    """0/1 per unit: is the unit covered by any of the spans?"""
    marks = np.zeros(len(text) + 1, dtype=np.int64)
    for start, end in spans:
        marks[start] += 1
        marks[end] -= 1
    covered = np.cumsum(marks)[: len(text)] > 0
    if unit == "character":
        return covered.astype(np.int8)
    return np.array([covered[s:e].any() for s, e in _segments(text)], dtype=np.int8)


def double_coded(codings: Iterable[Coding]) -> list[str]:
    """Documents coded by two or more coders."""
    frame = codings_frame(codings)
    return sorted(frame.group_by("document").agg(pl.col("coder").n_unique()).filter(pl.col("coder") >= 2)
                  ["document"].to_list())


def agreement_per_code(
    codings: Iterable[Coding],
    documents: SourceDocument | Sequence[SourceDocument],
    coders: Sequence[str] | None = None,
    unit: Literal["character", "segment"] = "character",
) -> pl.DataFrame:
    """Per code: units, units coded by each coder, by all, percentage agreement, Cohen's kappa (two coders)
    and Krippendorff's alpha (nominal), pooled over `documents`. `coders` default: everyone who coded them.
    """
    if unit not in ("character", "segment"):
        raise ValueError("unit must be 'character' or 'segment'")
    docs = [documents] if isinstance(documents, SourceDocument) else list(documents)
    ids = {d.id for d in docs}
    relevant = [c for c in codings if c.document in ids]
    coders = sorted({c.coder for c in relevant}) if coders is None else list(coders)
    rows = []
    for code in sorted({c.code for c in relevant}):
        columns = [_coder_units(docs, relevant, code, coder, unit) for coder in coders]
        matrix = np.column_stack(columns) if columns else np.zeros((0, 0), dtype=np.int8)
        rows.append({"code": code, **_agreement_row(matrix, coders)})
    schema = {"code": pl.String, "units": pl.Int64, "coded_by_all": pl.Int64, "percent_agreement": pl.Float64,
              "cohen_kappa": pl.Float64, "krippendorff_alpha": pl.Float64,
              **{f"coded_by_{c}": pl.Int64 for c in coders}}
    return pl.DataFrame(rows, schema=schema)


def _coder_units(docs: list[SourceDocument], codings: list[Coding], code: str, coder: str, unit: str) -> np.ndarray:
    """One coder's 0/1 units for one code over the documents, end to end."""
    return np.concatenate([
        _coded_units(d.text, [(c.start, c.end) for c in codings
                              if c.code == code and c.coder == coder and c.document == d.id], unit)
        for d in docs
    ])


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _agreement_row(matrix: np.ndarray, coders: Sequence[str]) -> dict[str, object]:
    units = matrix.shape[0]
    same = (matrix == matrix[:, :1]).all(axis=1) if units else np.zeros(0, bool)
    kappa = cohen_kappa(matrix[:, 0], matrix[:, 1]) if len(coders) == 2 else math.nan
    alpha = krippendorff_alpha(matrix.astype(float), "nominal") if len(coders) >= 2 and units else math.nan
    return {
        "units": units,
        "coded_by_all": int(matrix.all(axis=1).sum()) if units else 0,
        "percent_agreement": 100.0 * float(same.mean()) if units else None,
        "cohen_kappa": _finite(kappa),
        "krippendorff_alpha": _finite(alpha),
        **{f"coded_by_{c}": int(matrix[:, n].sum()) for n, c in enumerate(coders)},
    }


def iter_quotes(project: CodingProject, code: str, include_children: bool = True) -> Iterator[tuple[Coding, str]]:
    """(coding, quoted text) for a code (and its descendants), e.g. to show under an outcome."""
    wanted = {code}
    if include_children:
        wanted |= {c.id for c in project.codebook.codes if code in project.codebook.ancestors(c.id)}
    for coding in project.codings:
        if coding.code in wanted:
            yield coding, project.quote(coding)

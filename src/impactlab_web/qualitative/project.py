"""The bridge to the core: the stored documents, codebook and codings as an `impactlab.qualitative`
CodingProject, and the analyses (frequencies, co-occurrence, agreement, quotes) as calls into the core.

Ids in the core: document ``d<pk>``, code ``c<pk>``, coder = the coder's username.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.qualitative import codebook as core
from impactlab.reports.blocks import Quote
from impactlab_web.programmes.models import ImpactModelVersion, Programme
from impactlab_web.qualitative.models import Code, Coding, Document, OutcomeLink


# ------------------------------------------------------------------------------------ the model's parts
def model_document(programme: Programme, user: Any, version: ImpactModelVersion | None = None) -> dict[str, Any]:
    """The impact model as a JSON document: `version`, else the one `user` sees (``evidence.version_for``: the
    latest draft for its editors, the published version for everyone else; ``None``: the system itself);
    {} when there is none."""
    from impactlab_web.core.evidence import version_for

    shown = version if version is not None else version_for(user, programme)
    return shown.document if shown else {}


def outcomes(programme: Programme, user: Any, version: ImpactModelVersion | None = None) -> list[dict[str, Any]]:
    """Outcomes of the model version `user` sees (or `version`): id, description, stakeholder."""
    return [{"id": o["id"], "description": o.get("description") or o["id"], "stakeholder": o.get("stakeholder")}
            for o in model_document(programme, user, version).get("outcomes", [])]


def stakeholders(programme: Programme, user: Any, version: ImpactModelVersion | None = None) -> dict[str, str]:
    """Stakeholder id -> name, from the model version `user` sees (or `version`)."""
    document = model_document(programme, user, version)
    return {s["id"]: s.get("name") or s["id"] for s in document.get("stakeholders", [])}


def policy(programme: Programme) -> DisclosurePolicy:
    """The programme's disclosure rule (``impactlab_web.core.evidence.policy_for``: the installation's minimum,
    raised by the model's ``valuation.min_cell``, never lowered)."""
    from impactlab_web.core.evidence import policy_for

    return policy_for(programme)


# ------------------------------------------------------------------------------------------ the project
def core_codebook(codes: Iterable[Code]) -> core.Codebook:
    """The codebook in tree order (parents before children), validated by the core (no cycles...)."""
    codes = list(codes)
    by_parent: dict[int | None, list[Code]] = {}
    for code in codes:
        by_parent.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []

    def walk(parent: int | None) -> None:
        for child in sorted(by_parent.get(parent, []), key=lambda c: (c.name.lower(), c.pk)):
            ordered.append(child)
            walk(child.pk)

    walk(None)
    ordered += [c for c in codes if c not in ordered]  # a cycle: the core names it
    return core.Codebook(codes=[
        core.Code(id=c.core_id, name=c.name, parent=f"c{c.parent_id}" if c.parent_id else None,
                  definition=c.definition, colour=c.colour) for c in ordered])


def tree(programme: Programme) -> list[tuple[Code, int]]:
    """(code, depth) in tree order, for lists and selects."""
    codes = {c.pk: c for c in Code.objects.filter(programme=programme)}
    book = core_codebook(codes.values())
    return [(codes[int(c.id[1:])], len(book.ancestors(c.id))) for c in book.codes]


def core_document(document: Document) -> core.SourceDocument:
    return core.SourceDocument(id=document.core_id, name=document.label, text=document.text,
                               group=document.group or None, memo=document.memo or None)


def core_coding(coding: Coding) -> core.Coding:
    return core.Coding(document=f"d{coding.document_id}", start=coding.start, end=coding.end,
                       code=f"c{coding.code_id}", coder=coding.coder.get_username(), memo=coding.memo or None)


def project(programme: Programme) -> core.CodingProject:
    """Everything of the programme as the core's CodingProject (validated: codings inside their texts)."""
    codings = Coding.objects.filter(document__programme=programme).select_related("coder")
    return core.CodingProject(
        name=f"{programme.name} (impactlab {programme.pk})",
        codebook=core_codebook(Code.objects.filter(programme=programme)),
        documents=[core_document(d) for d in Document.objects.filter(programme=programme)],
        codings=[core_coding(c) for c in codings],
    )


# ------------------------------------------------------------------------------------------ analyses
@dataclass
class Analysis:
    """Frequencies and co-occurrence as rows for the templates, with the disclosure rule applied."""

    min_cell: int
    frequencies: list[dict[str, Any]] = field(default_factory=list)
    by_group: list[dict[str, Any]] = field(default_factory=list)
    pairs: list[dict[str, Any]] = field(default_factory=list)
    pairs_by_group: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, int] = field(default_factory=dict)  # group -> documents (people interviewed)


def analyse(programme: Programme, user: Any) -> Analysis:
    """Code frequencies and co-occurrence (overall and per stakeholder group) through the core; groups named
    as the model version `user` sees names them."""
    proj = project(programme)
    names = {c.id: proj.codebook.path(c.id) for c in proj.codebook.codes}
    group_names = stakeholders(programme, user)
    rule = policy(programme)
    result = Analysis(min_cell=rule.min_cell)
    for document in proj.documents:
        key = group_names.get(document.group, document.group) if document.group else ""
        result.groups[key] = result.groups.get(key, 0) + 1

    def label(row: dict[str, Any]) -> dict[str, Any]:
        for key in ("code", "code_a", "code_b"):
            if key in row:
                row[f"{key}_name"] = names.get(row[key], row[key])
        if "group" in row:
            row["group_name"] = group_names.get(row["group"] or "", row["group"] or "")
        return row

    overall = [label(r) for r in core.code_frequencies(proj.codings).to_dicts()]
    result.frequencies = [rule.apply(r, n_key="documents", keep=[k for k in r if k != "documents"]) for r in overall]
    grouped = [label(r) for r in core.code_frequencies(proj.codings, proj.groups).to_dicts() if r["group"]]
    totals = {r["code"]: r["documents"] for r in overall}
    result.by_group = _sorted(_suppress(grouped, ("code",), rule, totals), ("group_name",))
    pairs = [label(r) for r in core.co_occurrence(proj.codings).to_dicts()]
    result.pairs = [rule.apply(r, n_key="documents", keep=[k for k in r if k != "documents"]) for r in pairs]
    grouped_pairs = [label(r) for r in core.co_occurrence(proj.codings, proj.groups).to_dicts() if r["group"]]
    pair_totals = {(r["code_a"], r["code_b"]): r["documents"] for r in pairs}
    result.pairs_by_group = _sorted(_suppress(grouped_pairs, ("code_a", "code_b"), rule, pair_totals),
                                    ("group_name",))
    return result


def _suppress(rows: list[dict[str, Any]], key: tuple[str, ...], rule: DisclosurePolicy,
              totals: dict[Any, int]) -> list[dict[str, Any]]:
    """`documents` counts people (one interview or story each). Per code (or pair of codes) the groups'
    counts go through the core's rule (primary and secondary suppression against the code's total);
    counts of codings, coders and characters are about text, not people, and stay."""
    out: list[dict[str, Any]] = []
    parts: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        parts.setdefault(row[key[0]] if len(key) == 1 else tuple(row[k] for k in key), []).append(row)
    for part_key, part in parts.items():
        keep = [k for k in part[0] if k != "documents"]
        out += rule.apply_groups(part, n_key="documents", total_n=totals.get(part_key), keep=keep)
    return out


def _sorted(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (*(str(r.get(k) or "") for k in key), -(r.get("codings") or r.get("count") or 0)))


@dataclass
class AgreementResult:
    documents: list[Document]
    coders: list[str]
    unit: str
    rows: list[dict[str, Any]]


def agreement(programme: Programme, unit: str = "character") -> AgreementResult:
    """Cohen's kappa per code and Krippendorff's alpha over the double-coded documents, from the core."""
    proj = project(programme)
    ids = core.double_coded(proj.codings)
    docs = [proj.document(i) for i in ids]
    relevant = [c for c in proj.codings if c.document in set(ids)]
    coders = sorted({c.coder for c in relevant})
    rows = core.agreement_per_code(proj.codings, docs, unit=unit).to_dicts() if docs else []
    for row in rows:
        row["code_name"] = proj.codebook.path(row["code"])
        row["per_coder"] = [row.get(f"coded_by_{c}") for c in coders]
    documents = list(Document.objects.filter(programme=programme, pk__in=[int(i[1:]) for i in ids]))
    return AgreementResult(documents, coders, unit, rows)


# --------------------------------------------------------------------------------------------- quotes
@dataclass
class LinkedQuote:
    quote: Quote
    coding: Coding
    link: OutcomeLink


def source_of(document: Document, group_names: dict[str, str]) -> str:
    """The pseudonymised source of a quote: the document's label and stakeholder group."""
    group = group_names.get(document.group, document.group)
    return f"{document.label}, {group}" if group else document.label


def linked_quotes(programme: Programme, user: Any,
                  version: ImpactModelVersion | None = None) -> dict[str, list[LinkedQuote]]:
    """Outcome id -> the quotes linked to it (through a code and its sub-codes, or one coding), each passage
    once, in document order. Outcomes not in the model version `user` sees (or `version`) are left out."""
    known = {o["id"] for o in outcomes(programme, user, version)}
    proj = project(programme)
    codings = {(f"d{c.document_id}", c.start, c.end, f"c{c.code_id}", c.coder.get_username()): c
               for c in Coding.objects.filter(document__programme=programme).select_related("document", "coder",
                                                                                              "code")}
    group_names = stakeholders(programme, user, version)
    candidates: dict[str, list[tuple[Coding, OutcomeLink]]] = {}
    links = OutcomeLink.objects.filter(programme=programme, outcome__in=known).select_related(
        "code", "coding__document", "coding__coder", "coding__code")
    for link in links:
        if link.coding is not None:
            found = [link.coding]
        else:
            found = [codings[(c.document, c.start, c.end, c.code, c.coder)]
                     for c, _text in core.iter_quotes(proj, link.code.core_id)]
        candidates.setdefault(link.outcome, []).extend((coding, link) for coding in found)
    out: dict[str, list[LinkedQuote]] = {}
    for outcome, found in candidates.items():
        kept: list[tuple[Coding, OutcomeLink]] = []
        # one passage once: of overlapping codings (two coders, or code and sub-code) the longest is shown
        for coding, link in sorted(found, key=lambda p: (p[0].document_id, p[0].start - p[0].end, p[0].start)):
            if any(k.document_id == coding.document_id and k.start < coding.end and coding.start < k.end
                   for k, _link in kept):
                continue
            kept.append((coding, link))
        out[outcome] = [LinkedQuote(Quote(c.text.strip(), source_of(c.document, group_names)), c, link)
                        for c, link in kept]
    for items in out.values():
        items.sort(key=lambda q: (q.coding.document.label, q.coding.start, q.coding.end))
    return out


def quotes_for(programme: Programme, version: ImpactModelVersion) -> dict[str, list[Quote]]:
    """For the report builder: outcome id -> coded quotes (text and pseudonymised source) that support an
    outcome of the reported model `version`, e.g. ``build_report(..., quotes=quotes_for(programme, version))``."""
    return {outcome: [q.quote for q in items]
            for outcome, items in linked_quotes(programme, None, version).items()}

"""The dashboard's figures: every number is a call into the core, cached where it is expensive.

* valuation and sensitivity: per model text *and* the evidence it reads (the snapshot ids its evidence
  quantities resolve to for this user, the instrument definitions, the minimum cell) and the engine version,
  in ``CachedFigures`` and in process memory: a new snapshot or a changed instrument gives a new key;
* the Monte Carlo simulation: per the same key, with the draws and seed the reports use
  (``monte_carlo()``), run as a background job (``dashboard.simulate``);
* change per instrument: the core's ``dataset_rows`` (the snapshots the user may use, newest snapshot wins
  per respondent and wave) and the core's report evidence (``source_from_rows``), per resolved snapshot ids +
  instrument definition + breakdown + minimum cell;
* the formal/informal support balance: per registrations snapshot, through the same disclosure control.

Only the snapshots the user may use (``impactlab_web.core.evidence.usable_snapshots``) are read; the minimum cell
is the programme's (``impactlab_web.core.evidence.policy_for``); aggregates of respondent data never leave this
module without passing ``DisclosurePolicy``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from impactlab import __version__ as core_version
from impactlab.errors import UserError
from impactlab.evidence.datasets import SnapshotInfo
from impactlab.evidence.disclosure import DisclosurePolicy, programme_policy
from impactlab.evidence.quantities import evidence_references
from impactlab.evidence.rows import WAVE, EvidenceScope, dataset_rows, evidence_fingerprint, instrument_hash
from impactlab.evidence.scored import score_spec
from impactlab.evidence.workspace import Workspace
from impactlab.model import ImpactModel
from impactlab.reports.evidence import source_from_rows
from impactlab.reports.labels import parameter_labels
from impactlab.reports.texts import Texts
from impactlab.valuation import sensitivity, value
from impactlab.valuation.compiled import compile_model
from impactlab.valuation.evidence_hook import with_evidence
from impactlab_web.core import evidence
from impactlab_web.dashboards.models import CachedFigures, Simulation
from impactlab_web.data.models import DatasetRecord
from impactlab_web.programmes.models import ImpactModelVersion, Programme

SEED = 0  # the seed of every Monte Carlo run of the web app: the dashboard's and the reports' (ReportVersion.seed)
REGISTRATIONS = "registrations"


def monte_carlo() -> tuple[int, int]:
    """(draws, seed) of the web app's simulations: the dashboard and the reports show the same interval."""
    return int(getattr(settings, "IMPACTLAB_REPORT_DRAWS", 100_000)), SEED


def policy(programme: Programme, version: ImpactModelVersion | None = None) -> DisclosurePolicy:
    """The programme's disclosure rule (``impactlab_web.core.evidence.policy_for``)."""
    return evidence.policy_for(programme, version)


def workspace() -> Workspace:
    return Workspace(settings.WORKSPACE_DIR)


# ------------------------------------------------------------------------------------------------ caches
class _Memo:
    """A small thread-safe LRU in process memory in front of the database cache."""

    def __init__(self, size: int = 256):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key: str, value: Any) -> Any:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


MEMO = _Memo()
SNAPSHOTS = _Memo(1024)


def cache_key(kind: str, *parts: Any) -> str:
    text = json.dumps([kind, core_version, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cached(kind: str, parts: list[Any], compute, allowed: bool = True) -> Any:
    """The cached value for (kind, parts), computing and storing it on a miss (JSON-safe values only); with
    ``allowed`` false a miss is None (nothing is computed)."""
    key = cache_key(kind, *parts)
    hit = MEMO.get(key)
    if hit is not None:
        return hit
    row = CachedFigures.objects.filter(key=key).values_list("value", flat=True).first()
    if row is not None:
        return MEMO.put(key, row)
    if not allowed:
        return None
    result = compute()
    try:
        with transaction.atomic():
            CachedFigures.objects.create(key=key, kind=kind, value=result)
    except IntegrityError:  # a twin request stored it first: same value
        pass
    return MEMO.put(key, result)


def snapshot(record: DatasetRecord) -> SnapshotInfo | None:
    """A snapshot's metadata (immutable, so kept in memory once read); None when it is missing."""
    hit = SNAPSHOTS.get(record.snapshot_id)
    if hit is not None:
        return hit
    try:
        info = workspace().store().get(f"{record.name}@{record.snapshot_id}")
    except UserError:
        return None
    return SNAPSHOTS.put(record.snapshot_id, info)


# ------------------------------------------------------------------------------------------- the model
def _finite(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and np.isfinite(x) else None


def _text_hash(version: ImpactModelVersion) -> str:
    return hashlib.sha256(version.text.encode()).hexdigest()


def model_of(version: ImpactModelVersion) -> ImpactModel:
    return ImpactModel.model_validate(version.document)


def evidence_key(version: ImpactModelVersion, scope: EvidenceScope) -> dict[str, Any]:
    """What the version's figures depend on besides its text: for evidence quantities, the snapshot ids they
    resolve to in ``scope``, the instrument definitions and the minimum cell (metadata only, no data read)."""
    model = model_of(version)
    references = evidence_references(model)
    if not references:
        return {}
    fingerprint = evidence_fingerprint([r for r, _ in references], scope.store(), scope.allowed,
                                       [i for _, i in references])
    return fingerprint | {"min_cell": programme_policy(model, scope.min_cell).min_cell}


def figures_key(version: ImpactModelVersion, scope: EvidenceScope) -> list[Any]:
    """The cache key of a version's figures: model text, evidence (snapshots, instruments), engine version."""
    return [_text_hash(version), evidence_key(version, scope)]


def _resolved(version: ImpactModelVersion, scope: EvidenceScope) -> tuple[ImpactModel, list[dict[str, Any]]]:
    """The version's model with its evidence quantities computed from the scope's snapshots (as the CLI does)."""
    return with_evidence(model_of(version), scope)


def valuation(version: ImpactModelVersion, scope: EvidenceScope, compute: bool = True) -> dict[str, Any] | None:
    """The valuation of a model version: headline, stakeholders and the waterfall per outcome (JSON-safe).

    A valuation that fails (e.g. an evidence quantity whose dataset the user may not use) is
    ``{"error": messages}``: the page shows the messages, never an error page.
    """

    def run() -> dict[str, Any]:
        try:
            model, trail = _resolved(version, scope)
            result = value(model)
        except UserError as error:
            return {"error": error.messages}
        return {
            "currency": result.currency, "price_year": result.price_year, "discount_rate": result.discount_rate,
            "sroi_ratio": _finite(result.sroi_ratio), "net_sroi_ratio": _finite(result.net_sroi_ratio),
            "investment": _finite(result.investment), "present_value": _finite(result.present_value),
            "net_present_value": _finite(result.net_present_value),
            "society": {"benefits": result.society.benefits, "costs": result.society.costs,
                        "npv": result.society.npv, "bc_ratio": _finite(result.society.bc_ratio)},
            "stakeholders": [{"id": s.id, "name": s.name, "invested": s.invested, "benefits": s.benefits,
                              "net": s.net} for s in result.stakeholders],
            "outcomes": [{"id": o.id, "stakeholder": o.stakeholder, "description": o.description,
                          "waterfall": dict(o.waterfall)} for o in result.outcomes],
            "evidence": json.loads(json.dumps(trail, default=float)),
        }

    return cached("valuation", figures_key(version, scope), run, compute)


def tornado(version: ImpactModelVersion, lang: str, scope: EvidenceScope,
            compute: bool = True) -> dict[str, Any] | None:
    """The core's sensitivity (tornado bars, widest first) with parameter labels in the user's language."""

    def run() -> dict[str, Any]:
        try:
            model = _resolved(version, scope)[0]
        except UserError as error:
            return {"error": error.messages, "bars": [], "labels": {}, "base_ratio": None}
        compiled = compile_model(model)
        result = sensitivity(compiled)
        labels = parameter_labels(model, Texts(lang, model.programme.currency), [p.name for p in compiled.params])
        return {"base_ratio": _finite(result.base_ratio), "labels": labels,
                "bars": [{"parameter": b.parameter, "label": labels.get(b.parameter, b.parameter), "base": b.base,
                          "low": b.low, "high": b.high, "ratio_at_low": _finite(b.ratio_at_low),
                          "ratio_at_high": _finite(b.ratio_at_high), "npv_at_low": _finite(b.npv_at_low),
                          "npv_at_high": _finite(b.npv_at_high), "swing": _finite(b.swing)}
                         for b in result.tornado]}

    return cached("tornado", [*figures_key(version, scope), lang], run, compute)


# -------------------------------------------------------------------------------------------- simulation
def simulation_key(version: ImpactModelVersion, scope: EvidenceScope, draws: int, seed: int) -> str:
    return cache_key("simulation", *figures_key(version, scope), draws, seed)


def _resolved_snapshots(version: ImpactModelVersion, scope: EvidenceScope) -> list[str]:
    """The snapshot ids the version's evidence quantities resolve to in ``scope`` (what its job may read)."""
    found = evidence_key(version, scope).get("snapshots", {})
    return sorted({i for ids in found.values() for i in ids if len(i) == 64})


def simulation_for(version: ImpactModelVersion, scope: EvidenceScope) -> Simulation | None:
    draws, seed = monte_carlo()
    key = simulation_key(version, scope, draws, seed)
    return Simulation.objects.filter(key=key).select_related("job").first()


def ensure_simulation(version: ImpactModelVersion, user: Any = None, retry: bool = False,
                      scope: EvidenceScope | None = None) -> Simulation:
    """The simulation of the version with the evidence the user may use; queued as a background job the first
    time (one per key), and again after a failure only when asked (``retry``)."""
    from impactlab_web.jobs.models import Job
    from impactlab_web.jobs.runner import enqueue

    scope = scope or evidence.scope_for(user, version.programme)
    draws, seed = monte_carlo()
    key = simulation_key(version, scope, draws, seed)
    existing = Simulation.objects.filter(key=key).select_related("job").first()
    failed = existing is not None and existing.job is not None and existing.job.status == Job.Status.FAILED
    if existing is not None and (existing.done or existing.job is not None) and not (retry and failed):
        return existing
    with transaction.atomic():
        sim = existing or Simulation.objects.get_or_create(
            key=key, defaults={"version": version, "draws": draws, "seed": seed,
                               "snapshots": _resolved_snapshots(version, scope)})[0]
        sim.job = enqueue("dashboard.simulate", {"simulation": sim.pk}, user, version.programme)
        sim.save(update_fields=["job"])
    sim.refresh_from_db()  # in eager mode the job has run on commit
    return sim


def run_simulation(sim: Simulation, progress) -> dict[str, Any]:
    """The core's Monte Carlo of the version (fixed seed) with its evidence from the simulation's snapshots,
    its summary and the histogram specs per language."""
    from impactlab import parse_model, simulate
    from impactlab.reports import charts

    scope = EvidenceScope(settings.WORKSPACE_DIR, frozenset(sim.snapshots), evidence.installation_min_cell())
    result = simulate(parse_model(sim.version.text), draws=sim.draws, seed=sim.seed, keep_draws=True,
                      workspace=scope, progress=lambda done, total: progress(done / total, f"{done:,} / {total:,}"))
    data = result.to_dict()
    s = result.sroi_ratio
    histograms = {lang: charts.histogram_spec(result.ratio_draws, s.p5, s.p95, Texts(lang)) for lang in ("en", "nl")}
    return {"summary": json.loads(json.dumps(data, default=float)), "histogram": histograms}


# ---------------------------------------------------------------------------------------------- evidence
@dataclass
class EvidenceSet:
    """One dataset name measured with one instrument (its snapshots, e.g. T0 and T1 imported separately)."""

    name: str
    owner: str
    instrument: str
    records: list[DatasetRecord]
    infos: list[SnapshotInfo]
    groups: list[str] = field(default_factory=list)

    @property
    def snapshot_ids(self) -> list[str]:
        return sorted(r.snapshot_id for r in self.records)


def evidence_sets(records: list[DatasetRecord]) -> tuple[list[EvidenceSet], list[tuple[DatasetRecord, SnapshotInfo]]]:
    """Usable records grouped by dataset name, one set per instrument their mappings name; and the
    registrations snapshots apart."""
    sets: dict[tuple[str, str], EvidenceSet] = {}
    registrations = []
    by_name: dict[str, list[tuple[DatasetRecord, SnapshotInfo]]] = {}
    for record in records:
        info = snapshot(record)
        if info is None:
            continue
        if info.mapping.get("kind") == REGISTRATIONS:
            registrations.append((record, info))
            continue
        by_name.setdefault(record.name, []).append((record, info))
    for name, pairs in by_name.items():
        pairs.sort(key=lambda p: (p[1].created, p[1].snapshot_id))
        instruments = list(dict.fromkeys(i.mapping["instrument"] for _, i in reversed(pairs)
                                         if i.mapping.get("instrument")))
        owners = ", ".join(dict.fromkeys(str(r.owner) for r, _ in pairs))
        groups = list(dict.fromkeys(g for _, i in reversed(pairs) for g in i.mapping.get("group", []) or []))
        for instrument in instruments:
            sets[(name, instrument)] = EvidenceSet(name, owners, instrument, [r for r, _ in pairs],
                                                   [i for _, i in pairs], groups)
    return list(sets.values()), registrations


def change(entry: EvidenceSet, model: ImpactModel, rule: DisclosurePolicy,
           compute: bool = True) -> dict[str, Any] | None:
    """Change of the instrument's score between the first and the last wave: the core's report evidence of
    the dataset's rows (``dataset_rows`` over the set's snapshots), disclosure-controlled."""
    allowed = frozenset(entry.snapshot_ids)

    def run() -> dict[str, Any]:
        spec = score_spec(entry.instrument)
        rows = dataset_rows(workspace().store(), entry.name, allowed)
        waves = sorted(str(w) for w in rows.frame[WAVE].drop_nulls().unique().to_list())
        base = {"instrument": entry.instrument, "instrument_name": spec.instrument.name.model_dump(),
                "higher_is_better": spec.higher_is_better, "waves": waves, "by": (rows.groups() or [None])[0],
                "snapshots": rows.snapshot_ids, "replaced": rows.replaced}
        if len(waves) < 2:
            return base | {"error": "one_wave"}
        source = source_from_rows(rows, entry.instrument, model, rule)
        return base | {"change": source.change.to_dict()}

    try:
        return cached("change", [entry.snapshot_ids, entry.instrument, instrument_hash(entry.instrument),
                                 rule.min_cell], run, compute)
    except UserError as error:
        return {"instrument": entry.instrument, "by": None, "error": "user", "messages": error.messages}


def reliably_improved(result: dict[str, Any]) -> float | None:
    """The share of pairs whose reliable change is in the better direction (None: no reliability known)."""
    rc = result.get("reliable_change") or {}
    return rc.get("improved") if isinstance(rc, dict) else None


def support_balance(record: DatasetRecord, info: SnapshotInfo, rule: DisclosurePolicy,
                    period: str = "quarter", compute: bool = True) -> dict[str, Any] | None:
    """The core's formal/informal balance per period and team, through the programme's disclosure rule."""
    from impactlab.fieldwork.registrations import balance


    def run() -> dict[str, Any]:
        frame = pl.read_parquet(workspace().store().path(info))
        by = [c for c in ("team",) if c in frame.columns and frame[c].null_count() < frame.height]
        table = balance(frame, by=by, period=period, policy=rule)
        rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                for row in table.iter_rows(named=True)]
        return {"by": by, "period": period, "rows": rows}

    return cached("balance", [record.snapshot_id, period, rule.min_cell], run, compute)


# ------------------------------------------------------------------------------- computed in the background
FIGURES_JOB = "dashboard.figures"


def computed_inline(version: ImpactModelVersion, records: list[DatasetRecord]) -> bool:
    """Are the version's figures small enough to compute in a request (outcomes of the model and rows of the
    datasets read, against ``IMPACTLAB_INLINE_OUTCOMES`` and ``IMPACTLAB_INLINE_ROWS``)? Larger ones are
    computed by a ``dashboard.figures`` job while the page shows its progress."""
    outcomes = len((version.document or {}).get("outcomes") or [])
    rows = sum(record.n or 0 for record in records)
    return (outcomes <= int(getattr(settings, "IMPACTLAB_INLINE_OUTCOMES", 60))
            and rows <= int(getattr(settings, "IMPACTLAB_INLINE_ROWS", 50_000)))


def dashboard_figures(version: ImpactModelVersion, scope: EvidenceScope, lang: str,
                      records: list[DatasetRecord], compute: bool = True, progress=None) -> bool:
    """Every figure of the dashboard that is not a simulation: valuation, sensitivity, change per instrument,
    support balances. With ``compute`` false: whether all of them are cached (nothing is computed)."""
    say = progress or (lambda fraction, message: None)
    found = valuation(version, scope, compute)
    if found is None:
        return False
    say(0.3, str(_("valuation")))
    if not found.get("error") and tornado(version, lang, scope, compute) is None:
        return False
    say(0.6, str(_("sensitivity")))
    sets, registrations = evidence_sets(records)
    rule = policy(version.programme, version)
    model = model_of(version)
    for k, entry in enumerate(sets):
        if change(entry, model, rule, compute) is None:
            return False
        say(0.6 + 0.3 * (k + 1) / len(sets), str(_("change per instrument")))
    return all(support_balance(record, info, rule, compute=compute) is not None for record, info in registrations)


def figures_job_key(version: ImpactModelVersion, scope: EvidenceScope, lang: str) -> str:
    return cache_key(FIGURES_JOB, version.pk, figures_key(version, scope), sorted(scope.allowed), lang)


def figures_job(version: ImpactModelVersion, user: Any, key: str) -> Any:
    """The latest figures job of this user for this key (None: none yet)."""
    from impactlab_web.jobs.models import Job

    return (Job.objects.filter(kind=FIGURES_JOB, programme=version.programme, created_by=user, params__key=key)
            .order_by("-created").first())


def queue_figures(version: ImpactModelVersion, user: Any, key: str, lang: str) -> Any:
    from impactlab_web.jobs.runner import enqueue

    job = enqueue(FIGURES_JOB, {"key": key, "version": version.pk, "user": user.pk, "lang": lang}, user,
                  version.programme)
    job.refresh_from_db()  # in eager mode it has run
    return job

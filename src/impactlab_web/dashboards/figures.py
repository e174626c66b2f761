"""The dashboard's figures: every number is a call into the core, cached where it is expensive.

* valuation and sensitivity: per model version (immutable), in ``CachedFigures`` and in process memory;
* the Monte Carlo simulation: per model version, run as a background job (``dashboard.simulate``);
* change per instrument: per set of snapshot ids + instrument + breakdown + minimum cell (snapshots are
  immutable, so the key never goes stale), computed through the core's disclosure control;
* the formal/informal support balance: per registrations snapshot, through the same disclosure control.

Only the datasets the user may use (``permissions.usable_datasets``) are read; aggregates of respondent data
never leave this module without passing ``DisclosurePolicy``.
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

from impactlab import __version__ as core_version
from impactlab.errors import UserError
from impactlab.evidence.change import change_from_long
from impactlab.evidence.datasets import SnapshotInfo
from impactlab.evidence.disclosure import DisclosurePolicy
from impactlab.evidence.instruments import score
from impactlab.evidence.scored import RESPONDENT, WAVE, score_snapshot, score_spec
from impactlab.evidence.workspace import Workspace
from impactlab.model import ImpactModel
from impactlab.reports.labels import parameter_labels
from impactlab.reports.texts import Texts
from impactlab.valuation import sensitivity, value
from impactlab.valuation.compiled import compile_model
from impactlab_web.dashboards.models import CachedFigures, Simulation
from impactlab_web.models import DatasetRecord, ImpactModelVersion

DRAWS = 20_000
SEED = 2025
REGISTRATIONS = "registrations"


def policy() -> DisclosurePolicy:
    """The disclosure rule of this installation (``IMPACTLAB_MIN_CELL``, default 10)."""
    return DisclosurePolicy(int(getattr(settings, "IMPACTLAB_MIN_CELL", 10)))


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


def cached(kind: str, parts: list[Any], compute) -> Any:
    """The cached value for (kind, parts), computing and storing it on a miss (JSON-safe values only)."""
    key = cache_key(kind, *parts)
    hit = MEMO.get(key)
    if hit is not None:
        return hit
    row = CachedFigures.objects.filter(key=key).values_list("value", flat=True).first()
    if row is not None:
        return MEMO.put(key, row)
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
    """Figures of a model depend on its text only: the key survives renumbering and is never stale."""
    return hashlib.sha256(version.text.encode()).hexdigest()


def model_of(version: ImpactModelVersion) -> ImpactModel:
    return ImpactModel.model_validate(version.document)


def valuation(version: ImpactModelVersion) -> dict[str, Any]:
    """The valuation of a model version: headline, stakeholders and the waterfall per outcome (JSON-safe)."""

    def compute() -> dict[str, Any]:
        result = value(model_of(version))
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
        }

    return cached("valuation", [_text_hash(version)], compute)


def tornado(version: ImpactModelVersion, lang: str) -> dict[str, Any]:
    """The core's sensitivity (tornado bars, widest first) with parameter labels in the user's language."""

    def compute() -> dict[str, Any]:
        model = model_of(version)
        compiled = compile_model(model)
        result = sensitivity(compiled)
        labels = parameter_labels(model, Texts(lang, model.programme.currency), [p.name for p in compiled.params])
        return {"base_ratio": _finite(result.base_ratio), "labels": labels,
                "bars": [{"parameter": b.parameter, "label": labels.get(b.parameter, b.parameter), "base": b.base,
                          "low": b.low, "high": b.high, "ratio_at_low": _finite(b.ratio_at_low),
                          "ratio_at_high": _finite(b.ratio_at_high), "npv_at_low": _finite(b.npv_at_low),
                          "npv_at_high": _finite(b.npv_at_high), "swing": _finite(b.swing)}
                         for b in result.tornado]}

    return cached("tornado", [_text_hash(version), lang], compute)


# -------------------------------------------------------------------------------------------- simulation
def simulation_for(version: ImpactModelVersion) -> Simulation | None:
    return Simulation.objects.filter(version=version).select_related("job").first()


def ensure_simulation(version: ImpactModelVersion, user: Any = None, draws: int = DRAWS,
                      retry: bool = False) -> Simulation:
    """The version's simulation; queued as a background job the first time (one per version), and again after
    a failure only when asked (``retry``)."""
    from impactlab_web.jobs.models import Job
    from impactlab_web.jobs.runner import enqueue

    existing = simulation_for(version)
    failed = existing is not None and existing.job is not None and existing.job.status == Job.Status.FAILED
    if existing is not None and (existing.done or existing.job is not None) and not (retry and failed):
        return existing
    with transaction.atomic():
        sim = existing or Simulation.objects.get_or_create(version=version, defaults={"draws": draws, "seed": SEED})[0]
        sim.job = enqueue("dashboard.simulate", {"simulation": sim.pk}, user, version.programme)
        sim.save(update_fields=["job"])
    sim.refresh_from_db()  # in eager mode the job has run on commit
    return sim


def run_simulation(sim: Simulation, progress) -> dict[str, Any]:
    """The core's Monte Carlo of the version (fixed seed), its summary and the histogram specs per language."""
    from impactlab import parse_model, simulate
    from impactlab.reports import charts

    result = simulate(parse_model(sim.version.text), draws=sim.draws, seed=sim.seed, keep_draws=True,
                      progress=lambda done, total: progress(done / total, f"{done:,} / {total:,}"))
    data = result.to_dict()
    s = result.sroi_ratio
    histograms = {lang: charts.histogram_spec(result.ratio_draws, s.p5, s.p95, Texts(lang)) for lang in ("en", "nl")}
    return {"summary": json.loads(json.dumps(data, default=float)), "histogram": histograms}


# ---------------------------------------------------------------------------------------------- evidence
@dataclass
class EvidenceSet:
    """Snapshots of one dataset name measured with one instrument (e.g. T0 and T1 imported separately)."""

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
    """Usable records grouped by (dataset name, instrument); and the registrations snapshots apart."""
    sets: dict[tuple[str, str], EvidenceSet] = {}
    registrations = []
    for record in records:
        info = snapshot(record)
        if info is None:
            continue
        if info.mapping.get("kind") == REGISTRATIONS:
            registrations.append((record, info))
            continue
        instrument = info.mapping.get("instrument")
        if not instrument:
            continue
        key = (record.name, instrument)
        entry = sets.setdefault(key, EvidenceSet(record.name, str(record.owner), instrument, [], []))
        entry.records.append(record)
        entry.infos.append(info)
        for group in info.mapping.get("group", []):
            if group not in entry.groups:
                entry.groups.append(group)
    return list(sets.values()), registrations


def _frame(entry: EvidenceSet) -> pl.DataFrame:
    """The snapshots together; a respondent × wave seen twice (a re-import) counts from the newest snapshot."""
    store = workspace().store()
    parts = []
    for order, info in enumerate(sorted(entry.infos, key=lambda i: (i.created, i.snapshot_id))):
        part = score_snapshot(pl.read_parquet(store.path(info)), info, entry.instrument)  # each in its own format
        parts.append(part.with_columns(pl.lit(order).alias("_order")))
    frame = pl.concat(parts, how="diagonal_relaxed")
    return frame.sort("_order").unique([RESPONDENT, WAVE], keep="last", maintain_order=True).drop("_order")


def change(entry: EvidenceSet, by: str | None) -> dict[str, Any]:
    """Change of the instrument's score between the first and the last wave, disclosure-controlled."""
    rule = policy()

    def compute() -> dict[str, Any]:
        spec = score_spec(entry.instrument)
        frame = _frame(entry)
        if spec.column not in frame.columns:
            frame = score(spec.instrument, frame, invalid="missing")
        waves = sorted(str(w) for w in frame[WAVE].drop_nulls().unique().to_list())
        base = {"instrument": entry.instrument, "instrument_name": spec.instrument.name.model_dump(),
                "higher_is_better": spec.higher_is_better, "waves": waves, "by": by}
        if len(waves) < 2:
            return base | {"error": "one_wave"}
        result = change_from_long(frame, id=RESPONDENT, wave=WAVE, score=spec.column, pre=waves[0], post=waves[-1],
                                  by=by, reliability=spec.reliability, higher_is_better=spec.higher_is_better,
                                  norms=spec.norms, policy=rule)
        return base | {"change": result.to_dict()}

    try:
        return cached("change", [entry.snapshot_ids, entry.instrument, by, rule.min_cell], compute)
    except UserError as error:
        return {"instrument": entry.instrument, "by": by, "error": "user", "messages": error.messages}


def reliably_improved(result: dict[str, Any]) -> float | None:
    """The share of pairs whose reliable change is in the better direction (None: no reliability known)."""
    rc = result.get("reliable_change") or {}
    return rc.get("improved") if isinstance(rc, dict) else None


def support_balance(record: DatasetRecord, info: SnapshotInfo, period: str = "quarter") -> dict[str, Any]:
    """The core's formal/informal balance per period and team, through the disclosure control."""
    from impactlab.fieldwork.registrations import balance

    rule = policy()

    def compute() -> dict[str, Any]:
        frame = pl.read_parquet(workspace().store().path(info))
        by = [c for c in ("team",) if c in frame.columns and frame[c].null_count() < frame.height]
        table = balance(frame, by=by, period=period, policy=rule)
        rows = [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
                for row in table.iter_rows(named=True)]
        return {"by": by, "period": period, "rows": rows}

    return cached("balance", [record.snapshot_id, period, rule.min_cell], compute)

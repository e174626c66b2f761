"""Data over its life: what used a dataset, deleting a snapshot or a dataset, and erasing one respondent.

* ``usages(records)``: the learning cycles, report versions and model versions (evidence quantities
  ``quantity: {dataset: ...}``) that used these snapshots, and the data-sharing agreements that end with them;
* ``delete(records, user, kind)``: the records, their agreements and the cycles' links to them go in one
  transaction; a frozen or finished cycle keeps a ``Tombstone`` saying what was removed, when and by whom; the
  administrators of each partner whose active agreement ends are notified (in-app and e-mail, after the commit;
  dataset and programme by name, never a respondent); the files go after the commit (a failed transaction
  deletes nothing);
* ``find_respondent`` / ``erase_respondent``: one respondent, named by the id in the source file and
  pseudonymised with the workspace key (the core's ``pseudonym_of``; the id itself is never stored), removed
  from every snapshot of the programme that the user's organisation owns (the core's ``erase_respondent``):
  new snapshots are written first, the records point at them in one transaction, and the old files are
  deleted after the commit; a failure deletes the new files again. The audit trail holds the pseudonym only.
  In the same transaction go the respondent's rows in the database: questionnaire answers and drafts (keyed by
  the wave link's respondent key, which an export pseudonymises like an id: the key whose pseudonym is the
  respondent's is theirs) and support registrations (by client code). They are deleted, not anonymised: answers,
  free text included, cannot be made anonymous with certainty, and an export would otherwise bring the respondent
  back. Their personal link is revoked in every wave of those questionnaires, so it cannot bring them back either.
  A personal wave link pasted instead of an id names the respondent by its key.

Who may remove what is the policy's (``Action.DATASET_DELETE``, ``Action.RESPONDENT_ERASE``,
``POLICY.removable``). Cached figures are keyed on the snapshot ids they read, so removed snapshots drop out of
every key; simulations and cached figures that name a removed snapshot are deleted as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab.evidence import erasure
from impactlab.evidence.datasets import DatasetStore
from impactlab.evidence.quantities import evidence_references
from impactlab.model.schema import ImpactModel
from impactlab_web.core import audit
from impactlab_web.core.permissions import POLICY
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement
from impactlab_web.fieldwork.models import Draft, Registration, Response, RevokedLink, Wave
from impactlab_web.fieldwork.service import respondent_key_of
from impactlab_web.notifications.notify import Kind, base_url, notify
from impactlab_web.programmes.models import ImpactModelVersion, Programme
from impactlab_web.programmes.partnerships import administrators
from impactlab_web.review.models import Cycle, ReportVersion, Tombstone


@dataclass
class Usages:
    """Everything that used a set of snapshots (named to the user before they are removed)."""

    cycles: list[Cycle] = field(default_factory=list)
    reports: list[ReportVersion] = field(default_factory=list)
    versions: list[ImpactModelVersion] = field(default_factory=list)
    agreements: list[DataSharingAgreement] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.cycles or self.reports or self.versions or self.agreements)


def _references(version: ImpactModelVersion) -> list[str]:
    """The dataset references of a version's evidence quantities (``name`` or ``name@snapshot``)."""
    try:
        model = ImpactModel.model_validate(version.document)
    except ValueError:  # an older document the schema no longer reads: it names no dataset we can tell
        return []
    return [reference for reference, _instrument in evidence_references(model)]


def _uses(reference: str, records: list[DatasetRecord]) -> bool:
    """Does a dataset reference read any of these snapshots? A bare name reads all snapshots of that name."""
    name, _at, pinned = reference.partition("@")
    return any(r.name == name and (not pinned or r.snapshot_id.startswith(pinned)) for r in records)


def usages(records: Iterable[DatasetRecord]) -> Usages:
    """The cycles, report versions and model versions that used these snapshots (all of one programme), and
    their data-sharing agreements."""
    records = list(records)
    if not records:
        return Usages()
    programme = records[0].programme
    ids = {r.snapshot_id for r in records}
    reports = [r for r in ReportVersion.objects.filter(cycle__programme=programme).select_related("cycle")
               .order_by("cycle__number", "number") if ids & set(r.snapshots or [])]
    versions = [v for v in programme.versions.order_by("number") if any(_uses(x, records) for x in _references(v))]
    return Usages(
        cycles=list(Cycle.objects.filter(datasets__in=records).distinct().order_by("number")),
        reports=reports, versions=versions,
        agreements=list(DataSharingAgreement.objects.filter(dataset__in=records).select_related("partner")))


def dataset_of(record: DatasetRecord) -> list[DatasetRecord]:
    """Every snapshot of the record's dataset: the same name, programme and owner, oldest first."""
    return list(DatasetRecord.objects.filter(programme_id=record.programme_id, owner_id=record.owner_id,
                                             name=record.name).select_related("owner", "programme")
                .order_by("created_at", "pk"))


def _store() -> DatasetStore:
    return audit.workspace().store()


def _who(user: Any) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ""


def _tombstones(records: list[DatasetRecord], kind: str, user: Any,
                rows: dict[str, int] | None = None, replaced: dict[str, str] | None = None) -> int:
    """A tombstone on every frozen or finished cycle that used one of these records."""
    links = (Cycle.datasets.through.objects.filter(datasetrecord__in=records)
             .select_related("cycle", "datasetrecord"))
    made = 0
    for link in links:
        cycle, record = link.cycle, link.datasetrecord
        if not (cycle.frozen or cycle.finished):
            continue
        Tombstone.objects.create(
            cycle=cycle, kind=kind, dataset=record.name, snapshot_id=record.snapshot_id,
            replaced_by=(replaced or {}).get(record.snapshot_id, ""),
            rows=(rows or {}).get(record.snapshot_id, record.n),
            removed_by=user if user is not None and user.is_authenticated else None, removed_by_name=_who(user))
        made += 1
    return made


def _forget_figures(programme: Programme, snapshot_ids: set[str]) -> None:
    """Drop the figures computed from these snapshots: simulations that read one (their key names the old ids, so
    they would never be shown again) and cached figures whose value names one (the change per instrument, the
    evidence trail of a valuation). New keys name the remaining or new snapshots, so every page recomputes."""
    from impactlab_web.dashboards import figures
    from impactlab_web.dashboards.models import CachedFigures, Simulation

    stale = [s.pk for s in Simulation.objects.filter(version__programme=programme).only("pk", "snapshots")
             if snapshot_ids & set(s.snapshots or [])]
    Simulation.objects.filter(pk__in=stale).delete()
    for snapshot_id in snapshot_ids:
        CachedFigures.objects.filter(value__icontains=snapshot_id[:12]).delete()
    figures.MEMO.clear()  # this process's copies (other processes' copies are under keys no longer asked for)


def _delete_files(snapshot_ids: Iterable[str]) -> None:
    """Delete the snapshots' files, unless a record names the snapshot (again); missing files are no error."""
    store = _store()
    for snapshot_id in snapshot_ids:
        if DatasetRecord.objects.filter(snapshot_id=snapshot_id).exists():
            continue
        with contextlib.suppress(UserError):
            erasure.delete_snapshot(store, snapshot_id)


@dataclass
class Removal:
    """What a deletion removed."""

    dataset: str
    snapshots: list[str]
    rows: int
    agreements: int
    tombstones: int


def delete(records: Iterable[DatasetRecord], user: Any, kind: str = Tombstone.Kind.SNAPSHOT) -> Removal:
    """Delete these snapshots (records, agreements, the cycles' links; files after the commit), with a
    tombstone on every frozen or finished cycle that used them and one audit event per snapshot.

    The caller has checked ``Action.DATASET_DELETE`` on each record."""
    pks = [r.pk for r in records]
    with transaction.atomic():
        found = list(DatasetRecord.objects.select_for_update().filter(pk__in=pks).select_related("owner", "programme")
                     .order_by("created_at", "pk"))
        if not found:
            raise UserError(_("This dataset has been deleted already."))
        ids = [r.snapshot_id for r in found]
        ended = list(DataSharingAgreement.objects.filter(dataset__in=found).select_related("partner"))
        tombstones = _tombstones(found, kind, user)
        _forget_figures(found[0].programme, set(ids))
        for record in found:
            audit.record(None, audit.Action.DATASET_DELETE, record, user=user, detail={
                "kind": str(kind), "rows": record.n, "agreements": record.agreements.count(),
                "tombstones": tombstones})
        _tell_partners(ended, found[0], user)
        DatasetRecord.objects.filter(pk__in=[r.pk for r in found]).delete()
        transaction.on_commit(lambda: _delete_files(ids))
    return Removal(found[0].name, ids, sum(r.n for r in found), len(ended), tombstones)


def _tell_partners(agreements: list[DataSharingAgreement], record: DatasetRecord, user: Any) -> None:
    """Notify the administrators of each partner whose still active agreement ends with this deletion."""
    today = timezone.localdate()
    for partner in {a.partner for a in agreements if a.is_active(today)}:
        names = {"owner": record.owner.name, "dataset": record.name, "programme": record.programme.name}
        notify(administrators([partner]), Kind.AGREEMENT_ENDED, lambda names=names: _(
            "%(owner)s deleted dataset %(dataset)s of %(programme)s: your data-sharing agreement for it has ended"
        ) % names, base_url=base_url(), skip=user)


# ----------------------------------------------------------------------------------------- right to erasure
@dataclass
class Match:
    """One snapshot that holds the respondent: how many of its rows."""

    record: DatasetRecord
    rows: int


@dataclass
class Fieldwork:
    """The respondent's rows in the database: questionnaire answers, drafts and support registrations."""

    responses: int = 0
    drafts: int = 0
    registrations: int = 0
    links: int = 0  # personal links revoked (after an erasure)

    @property
    def rows(self) -> int:
        return self.responses + self.drafts + self.registrations


@dataclass
class Search:
    """The respondent's pseudonym and where it occurs (rows per snapshot and in fieldwork; no other data)."""

    pseudonym: str
    matches: list[Match]
    searched: int  # snapshots searched
    other_key: int = 0  # snapshots pseudonymised with another key: the pseudonym cannot be found there
    fieldwork: Fieldwork = field(default_factory=Fieldwork)

    @property
    def rows(self) -> int:
        return sum(m.rows for m in self.matches)

    @property
    def found(self) -> bool:
        return bool(self.matches) or self.fieldwork.rows > 0


@dataclass
class _Rows:
    """The querysets of one respondent's fieldwork rows."""

    keys: set[str]
    responses: QuerySet[Response]
    drafts: QuerySet[Draft]
    registrations: QuerySet[Registration]

    def count(self) -> Fieldwork:
        return Fieldwork(self.responses.count(), self.drafts.count(), self.registrations.count())


def _fieldwork(programme: Programme, code: str) -> _Rows:
    """The programme's answers and drafts whose respondent key, and registrations whose client code, an export
    turns into the pseudonym `code` (the same keyed pseudonym as the snapshots')."""
    key = audit.workspace().key()
    responses = Response.objects.filter(questionnaire__programme=programme)
    drafts = Draft.objects.filter(wave__questionnaire__programme=programme)
    registrations = Registration.objects.filter(programme=programme)
    keys = erasure.matching_ids([*responses.values_list("respondent_key", flat=True),
                                 *drafts.values_list("respondent_key", flat=True)], code, key)
    clients = erasure.matching_ids(registrations.values_list("client", flat=True), code, key)
    return _Rows(keys, responses.filter(respondent_key__in=keys), drafts.filter(respondent_key__in=keys),
                 registrations.filter(client__in=clients))


def _revoke(rows: _Rows, user: Any) -> int:
    """Revoke the respondent's personal links in every wave of the questionnaires they answered or began."""
    waves = Wave.objects.filter(questionnaire__waves__in=[*rows.responses.values_list("wave", flat=True),
                                                          *rows.drafts.values_list("wave", flat=True)]).distinct()
    made = 0
    for wave in waves:
        for respondent_key in rows.keys:
            _link, created = RevokedLink.objects.get_or_create(
                wave=wave, link_id=respondent_key,
                defaults={"kind": RevokedLink.Kind.PERSONAL, "revoked_by": user if _who(user) else None})
            made += created
    return made


def _erasable(user: Any, programme: Programme) -> list[tuple[DatasetRecord, str]]:
    """(record, key version) of the snapshots the user may erase from whose files exist."""
    found = []
    for record in POLICY.removable(user, programme).select_related("owner").order_by("name", "created_at", "pk"):
        info = audit.snapshot_info(record)
        if info is not None:
            found.append((record, info.key_version))
    return found


def find_respondent(user: Any, programme: Programme, raw_id: str) -> Search:
    """Where the respondent with this source-file id (or personal wave link) occurs in the user's organisation's
    snapshots and in the programme's fieldwork."""
    code = erasure.pseudonym_of(respondent_key_of(raw_id) or raw_id, audit.workspace().key())
    return search(user, programme, code)


def search(user: Any, programme: Programme, code: str) -> Search:
    """Where the respondent with this pseudonym occurs in the user's organisation's snapshots and in the
    programme's fieldwork."""
    key_version = audit.workspace().key_version()
    candidates = _erasable(user, programme)
    same_key = [r for r, version in candidates if version == key_version]
    counts = erasure.matching_rows(_store(), code, [r.snapshot_id for r in same_key])
    matches = [Match(r, counts[r.snapshot_id]) for r in same_key if r.snapshot_id in counts]
    return Search(code, matches, len(candidates), len(candidates) - len(same_key), _fieldwork(programme, code).count())


@dataclass
class Receipt:
    """What an erasure did: old -> new snapshot ids per dataset, rows removed, when and by whom."""

    pseudonym: str
    replaced: list[tuple[str, str, str, int]]  # (dataset, old id, new id, rows removed)
    rows: int
    tombstones: int
    event: int  # the audit event's id
    fieldwork: Fieldwork = field(default_factory=Fieldwork)


def erase_respondent(user: Any, programme: Programme, code: str) -> Receipt:
    """Remove the respondent with pseudonym ``code`` from every snapshot of the programme the user's
    organisation owns: new snapshots without their rows, the records (and report versions, for the data-sharing
    checks of their downloads) pointing at them, a tombstone on frozen or finished cycles; their fieldwork rows
    deleted and personal links revoked; one audit event with the pseudonym; the old files are deleted after the
    commit. Nothing found: ``UserError``."""
    store = _store()
    result = None
    try:
        with transaction.atomic():
            records = {r.snapshot_id: r for r in DatasetRecord.objects.select_for_update()
                       .filter(pk__in=[r.pk for r, _v in _erasable(user, programme)])}
            counts = erasure.matching_rows(store, code, list(records))
            rows = _fieldwork(programme, code)
            fieldwork = rows.count()
            if not counts and not fieldwork.rows:
                raise UserError(_("No snapshot of your organisation and no questionnaire answer or registration "
                                  "of this programme holds this respondent."))
            fieldwork.links = _revoke(rows, user)
            for queryset in (rows.responses, rows.drafts, rows.registrations):
                queryset.delete()
            result = erasure.erase_respondent(store, code, list(counts), delete_old=False)
            affected = [records[old] for old in result.replaced]
            tombstones = _tombstones(affected, Tombstone.Kind.ERASURE, user, rows=counts, replaced=result.replaced)
            replaced = []
            for old, new in result.replaced.items():
                record = records[old]
                replaced.append((record.name, old, new, counts[old]))
                record.snapshot_id, record.n = new, store.get(new).rows.imported
                record.save(update_fields=["snapshot_id", "n"])
            for report in ReportVersion.objects.filter(cycle__programme=programme):
                if set(report.snapshots or []) & set(result.replaced):
                    report.snapshots = [result.replaced.get(s, s) for s in report.snapshots]
                    report.save(update_fields=["snapshots"])
            _forget_figures(programme, set(result.replaced))
            event = audit.record(None, audit.Action.RESPONDENT_ERASE, programme, user=user,
                                 organisation=affected[0].owner if affected else None, detail={
                                     "pseudonym": code, "rows": result.rows_removed, "snapshots": len(replaced),
                                     "tombstones": tombstones, "responses": fieldwork.responses,
                                     "drafts": fieldwork.drafts, "registrations": fieldwork.registrations,
                                     "links_revoked": fieldwork.links})
            old_ids = list(result.replaced)
            transaction.on_commit(lambda: _delete_files(old_ids))
    except BaseException:
        if result is not None:
            _delete_files(result.replaced.values())  # the new snapshots no record names
        raise
    return Receipt(code, replaced, result.rows_removed, tombstones, event.pk, fieldwork)

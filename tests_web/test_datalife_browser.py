"""In real Chromium: the owner's administrator deletes a wrongly imported snapshot through the confirmation page
(what used it listed first, the name typed wrong and then right), and the finished cycle shows the tombstone.
Then a respondent is erased through the right-to-erasure page. Screenshots: var/screenshots/datalife-*.png."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from django.conf import settings

from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import synth
from impactlab_web.data.models import DatasetRecord
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from impactlab_web.review import cycles
from impactlab_web.review.models import Phase
from tests_web.conftest import make_user, shot
from tests_web.test_evidence_truth import MAPPING, MODEL  # the evidence model over dataset `enquete`


def _record(programme: Programme, owner: Organisation, path: Path) -> DatasetRecord:
    info = import_file(path, MAPPING, "enquete", Workspace(settings.WORKSPACE_DIR)).snapshot
    return DatasetRecord.objects.create(owner=owner, programme=programme, name="enquete", snapshot_id=info.snapshot_id,
                                        source_sha256=info.source.sha256, n=info.rows.imported, origin=path.name)


def test_delete_a_snapshot_then_erase_a_respondent(page, live_server, var_dir, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    anna = make_user("anna", Role.ADMINISTRATOR, welfare)
    survey = pl.read_csv(synth(respondents=40, waves=2, out=tmp_path / "enquete.csv", seed=3, items=11),
                         infer_schema_length=0)
    paths = {}
    for wave in ("T0", "T1"):
        paths[wave] = tmp_path / f"enquete_{wave}.csv"
        survey.filter(pl.col("wave") == wave).write_csv(paths[wave])
    t0, wrong = _record(programme, welfare, paths["T0"]), _record(programme, welfare, paths["T1"])
    version = modelling.publish(modelling.save_version(programme, json.dumps(MODEL), anna, "evidence"), anna)
    cycle = cycles.create_cycle(programme, "2025", anna)
    cycles.freeze(cycle, version)
    cycle.datasets.set([t0, wrong])
    cycle.phases.update(status=Phase.Status.DONE)
    cycles.finish(cycle)
    store = Workspace(settings.WORKSPACE_DIR).store()

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/programmes/{programme.pk}/data/{wrong.pk}/")
    page.get_by_test_id("delete-snapshot").click()
    usages = page.get_by_test_id("usages")
    expect(usages).to_contain_text("Cycle 1: 2025")
    expect(usages).to_contain_text("keeps a note of the removal")
    expect(usages).to_contain_text(f"Version {version.number}")
    expect(page.get_by_test_id("to-delete")).to_contain_text(wrong.snapshot_id[:12])
    shot(page, "datalife-01-confirm")

    page.get_by_label("Type the dataset's name to confirm").fill("enquette")
    page.get_by_role("button", name="Delete snapshot").click()
    expect(page.get_by_text("That is not the dataset's name: nothing was deleted.")).to_be_visible()
    assert DatasetRecord.objects.filter(pk=wrong.pk).exists()
    page.get_by_label("Type the dataset's name to confirm").fill("enquete")
    page.get_by_role("button", name="Delete snapshot").click()
    expect(page.get_by_text("Deleted enquete: 1 snapshot(s)")).to_be_visible()
    shot(page, "datalife-02-deleted")
    assert not DatasetRecord.objects.filter(pk=wrong.pk).exists()
    assert [i.snapshot_id for i in store.list("enquete")] == [t0.snapshot_id]  # its files are gone

    page.goto(f"{live_server.url}/programmes/{programme.pk}/cycles/{cycle.number}/")
    expect(page.get_by_test_id("tombstones")).to_contain_text(f"Snapshot {wrong.snapshot_id[:12]} of enquete")
    expect(page.get_by_test_id("tombstones")).to_contain_text("by anna")
    shot(page, "datalife-03-tombstone")

    page.goto(f"{live_server.url}/programmes/{programme.pk}/data/")
    page.get_by_test_id("erasure-link").click()
    page.get_by_label("The respondent's id in the source file").fill("R0000004")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("erasure-found")).to_contain_text("1 row holds this respondent")
    shot(page, "datalife-04-found")
    page.get_by_label("I confirm").check()
    page.get_by_role("button", name="Erase this respondent").click()
    expect(page.get_by_test_id("receipt")).to_contain_text("Rows removed")
    shot(page, "datalife-05-receipt")
    t0.refresh_from_db()
    assert t0.n == survey.filter(pl.col("wave") == "T0").height - 1
    assert [i.snapshot_id for i in store.list("enquete")] == [t0.snapshot_id]  # the old T0 file is gone too

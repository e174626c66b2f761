"""The demo workspace: three partners in "Buurtcirkels Venlo", a foreign organisation, data and one user per role.

Idempotent: every object is looked up before it is made; files are generated with fixed seeds, so the core's
importer recognises them and returns the existing snapshots.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from impactlab.evidence.workspace import Workspace
from impactlab.io.importer import import_file
from impactlab.io.synth import MISSING_CODE, item_names, synth
from impactlab.model.examples import example_text
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement
from impactlab_web.organisations.models import Membership, Organisation, Profile, Role
from impactlab_web.programmes import modelling, partnerships
from impactlab_web.programmes.models import Programme

PASSWORD = "demo-impactlab-2025"
WELFARE, MUNICIPALITY, UNIVERSITY, ELSEWHERE = (
    "Stichting Welzijn Venlo", "Gemeente Venlo", "Hogeschool Venlo", "Stichting Welzijn Elders")
SURVEY_MAPPING = {
    "respondent_id": "respondent_id",
    "wave": "wave",
    "group": ["district", "group"],
    "instrument": "djg-11",
    "identifiers": ["name", "email", "phone", "bsn"],
    "date_of_birth": "date_of_birth",
    "free_text": ["remarks"],
    "keep": ["gender"],
    "missing_codes": {name: [MISSING_CODE] for name, _ in item_names(11)},
}
REGISTRATION_MAPPING = {
    "respondent_id": "client_nr",
    "wave": "quarter",
    "group": ["team"],
    "identifiers": ["client_name"],
    "keep": ["contacts", "minutes"],
    "valid": {"contacts": {"min": 0, "max": 200}, "minutes": {"min": 0, "max": 20000}},
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: Role
    organisation: str | None  # an organisation role; None: a programme role in Buurtcirkels Venlo
    language: str = "en"


USERS = [
    DemoUser("admin", "Anna Admin", Role.ADMINISTRATOR, WELFARE),
    DemoUser("researcher", "Rob Researcher", Role.RESEARCHER, UNIVERSITY),
    DemoUser("professional", "Pien Professional", Role.PROFESSIONAL, WELFARE, "nl"),
    DemoUser("reviewer", "Ruud Reviewer", Role.REVIEWER, MUNICIPALITY, "nl"),
    DemoUser("viewer", "Vera Viewer", Role.VIEWER, None),
    DemoUser("elsewhere", "Els Elders", Role.ADMINISTRATOR, ELSEWHERE),
]


@dataclass
class DemoContext:
    """What an area's demo part gets: the shared programme, the other one, organisations and users by name."""

    programme: Programme
    foreign: Programme
    organisations: dict[str, Organisation]
    users: dict[str, Any]
    workspace: Workspace
    folder: Path
    say: Callable[[str], None]


# Each area adds its own demo part as a module with `seed(context: DemoContext)`, run in this order
# (idempotent: a second run must change nothing).
# Order matters: quotes and fieldwork exist before the review part writes its report, and the dashboard part
# simulates the latest model version (the review part adds one for the cycle in progress).
EXTENSIONS: list[str] = [
    "impactlab_web.qualitative.demo",  # interviews, codebook, two coders, quotes under outcomes
    "impactlab_web.fieldwork.demo",  # a questionnaire with T0/T1 responses, support registrations
    "impactlab_web.review.demo",  # learning cycles, a report, review comments
    "impactlab_web.dashboards.demo",  # the dashboard's simulation of the latest model version
]


def seed(say: Callable[[str], None] = print) -> Programme:
    """Build (or complete) the demo workspace and return the shared programme."""
    var = Path(settings.VAR_DIR) / "demo"
    var.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        orgs = {name: Organisation.objects.get_or_create(name=name, defaults={"kind": kind})[0]
                for name, kind in [(WELFARE, "welfare"), (MUNICIPALITY, "municipality"),
                                   (UNIVERSITY, "university"), (ELSEWHERE, "welfare")]}
        programme, _ = Programme.objects.get_or_create(
            name="Buurtcirkels Venlo", lead=orgs[WELFARE],
            defaults={"description": "Neighbourhood circles against loneliness, with the municipality and the "
                                     "university of applied sciences as partners."})
        for partner in (orgs[MUNICIPALITY], orgs[UNIVERSITY]):  # partners that agreed (accepted partnerships)
            if not programme.partners.filter(pk=partner.pk).exists():
                partnerships.seed_accepted(programme, partner)
        foreign, _ = Programme.objects.get_or_create(name="Eenzaamheid Elders", lead=orgs[ELSEWHERE])
        users = {u.username: _user(u, orgs, programme) for u in USERS}
        if not programme.versions.exists():
            modelling.save_version(programme, example_text("buurtcirkels"), users["admin"], "Example model")
        if not foreign.versions.exists():
            modelling.save_version(foreign, example_text("eenzaamheid"), users["elsewhere"], "Example model")
        for shown in (programme, foreign):  # published by the installation: everyone sees the demo's figures
            if shown.published_version() is None:
                modelling.publish(shown.latest_version(), None)
    workspace = Workspace(settings.WORKSPACE_DIR)
    for path in _survey_files(var):
        _import(path, SURVEY_MAPPING, "buurtcirkels-enquete", workspace, programme, orgs[WELFARE], say)
    _import(_registrations_file(var), REGISTRATION_MAPPING, "steunregistraties", workspace,
                            programme, orgs[WELFARE], say)
    for record in programme.datasets.filter(name="buurtcirkels-enquete"):
        DataSharingAgreement.objects.get_or_create(
            dataset=record, partner=orgs[UNIVERSITY],
            defaults={"purpose": "Effect evaluation of Buurtcirkels (loneliness, DJG-11)",
                      "valid_until": dt.date(2027, 12, 31), "created_by": users["admin"]})
    _import(_survey_files(var, seed=11, name="elders")[0], SURVEY_MAPPING, "elders-enquete", workspace, foreign,
            orgs[ELSEWHERE], say)
    context = DemoContext(programme, foreign, orgs, users, workspace, var, say)
    for extension in EXTENSIONS:
        import_module(extension).seed(context)
    return programme


def _user(spec: DemoUser, orgs: dict[str, Organisation], programme: Programme):
    User = get_user_model()
    first, last = spec.full_name.split(" ", 1)
    user, created = User.objects.get_or_create(username=spec.username,
                                               defaults={"first_name": first, "last_name": last})
    if created:
        user.set_password(PASSWORD)
        user.save()
    Profile.objects.get_or_create(user=user, defaults={"language": spec.language})
    if spec.organisation:
        Membership.objects.get_or_create(user=user, role=spec.role, organisation=orgs[spec.organisation])
    else:
        Membership.objects.get_or_create(user=user, role=spec.role, programme=programme)
    return user


def _survey_files(folder: Path, seed: int = 7, name: str = "buurtcirkels") -> list[Path]:
    """Two waves (T0, T1) of a synthetic DJG-11 survey, one CSV per wave."""
    full = folder / f"{name}-survey.csv"
    if not full.exists():
        synth(respondents=240, waves=2, out=full, seed=seed, items=11)
    waves = []
    for wave in ("T0", "T1"):
        path = folder / f"{name}-survey-{wave}.csv"
        if not path.exists():
            pl.read_csv(full, infer_schema_length=0).filter(pl.col("wave") == wave).write_csv(path)
        waves.append(path)
    return waves


def _registrations_file(folder: Path) -> Path:
    """Support registrations per client and quarter: contacts and minutes with a circle coordinator."""
    path = folder / "steunregistraties.csv"
    if not path.exists():
        rng = np.random.default_rng(3)
        clients = np.arange(1, 241)
        rows = [(c, q) for c in clients for q in range(1, 5) if rng.random() < 0.8]
        n = len(rows)
        contacts = rng.poisson(5, n) + 1
        pl.DataFrame({
            "client_nr": [f"R{c:07d}" for c, _ in rows],
            "client_name": [f"Client {c}" for c, _ in rows],
            "quarter": [f"2025-Q{q}" for _, q in rows],
            "team": np.array(["Noord", "Zuid", "Blerick", "Tegelen"])[[c % 4 for c, _ in rows]],
            "contacts": contacts,
            "minutes": contacts * rng.choice([20, 30, 45], n),
        }).write_csv(path)
    return path


def _import(path: Path, mapping: dict, dataset: str, workspace: Workspace, programme: Programme,
            owner: Organisation, say: Callable[[str], None]) -> DatasetRecord:
    result = import_file(path, mapping, dataset, workspace, allow_duplicate=True)
    info = result.snapshot
    record, created = DatasetRecord.objects.get_or_create(
        snapshot_id=info.snapshot_id,
        defaults={"owner": owner, "programme": programme, "name": dataset, "source_sha256": info.source.sha256,
                  "n": info.rows.imported, "origin": f"{info.source.name} ({info.source.format})"})
    say(f"{'imported' if created else 'kept'} {dataset} {info.short_id} ({info.rows.imported} rows)")
    return record

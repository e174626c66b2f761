"""Fixtures for the web tests: a small world of organisations, a programme network, users per role."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from impactlab.model.examples import example_text
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement
from impactlab_web.jobs.models import Job
from impactlab_web.organisations.models import Membership, Organisation, Profile, Role
from impactlab_web.programmes import modelling, partnerships
from impactlab_web.programmes.models import Programme

SCOPES = ("own", "partner", "foreign")


@dataclass
class World:
    """`programme` is led by `own`, with `partner` as partner; `foreign` leads another programme."""

    own: Organisation
    partner: Organisation
    foreign: Organisation
    programme: Programme
    other: Programme
    dataset: DatasetRecord
    job: Job
    users: dict[tuple[Role, str], User] = field(default_factory=dict)

    def user(self, role: Role, scope: str) -> User:
        return self.users[(role, scope)]


def make_user(username: str, role: Role | None = None, organisation: Organisation | None = None,
              programme: Programme | None = None, language: str = "en") -> User:
    user = User.objects.create_user(username, password="correct-horse-battery")
    Profile.objects.create(user=user, language=language)
    if role is not None:
        Membership.objects.create(user=user, role=role, organisation=organisation, programme=programme)
    return user


@pytest.fixture
def world(db) -> World:
    own = Organisation.objects.create(name="Welzijn Test", kind="welfare")
    partner = Organisation.objects.create(name="Gemeente Test", kind="municipality")
    foreign = Organisation.objects.create(name="Elders Test", kind="welfare")
    programme = Programme.objects.create(name="Circles", lead=own)
    partnerships.seed_accepted(programme, partner)
    other = Programme.objects.create(name="Elsewhere", lead=foreign)
    text = example_text("buurtcirkels")
    modelling.save_version(programme, text, None, "first")
    modelling.save_version(programme, text.replace("amount: 186000", "amount: 196000"), None, "second")
    dataset = DatasetRecord.objects.create(owner=own, programme=programme, name="survey", snapshot_id="a" * 64,
                                           source_sha256="b" * 64, n=240, origin="survey.csv (csv)")
    job = Job.objects.create(kind="simulate", params={"programme": programme.pk, "version": 1}, programme=programme)
    world = World(own, partner, foreign, programme, other, dataset, job)
    orgs = {"own": own, "partner": partner, "foreign": foreign}
    for role in Role:
        for scope in SCOPES:
            world.users[(role, scope)] = make_user(f"{role.value}-{scope}", role, orgs[scope])
    return world


@pytest.fixture
def shared(world: World) -> DataSharingAgreement:
    """The dataset shared with the partner organisation until next year."""
    return DataSharingAgreement.objects.create(dataset=world.dataset, partner=world.partner, purpose="evaluation",
                                               valid_until=dt.date.today() + dt.timedelta(days=365))


@pytest.fixture
def var_dir(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("IMPACTLAB_KEY_FILE", raising=False)
    settings.VAR_DIR = tmp_path / "var"
    settings.WORKSPACE_DIR = tmp_path / "var" / "workspace"
    return settings.VAR_DIR


@pytest.fixture(autouse=True)
def _fast_hasher(settings) -> None:
    """Argon2 is deliberately slow; tests that do not test hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright ----------------------

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Chromium for a module's browser tests (`make test` installs Debian's chromium when missing)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make chromium` (make test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.console = []  # type: ignore[attr-defined]
    page.on("console", lambda message: page.console.append(message.text))
    yield page
    context.close()


@pytest.fixture
def patient_expect() -> Iterator[None]:
    """Playwright's `expect` waits up to 30 s instead of 5: for tests whose every step saves and values a model,
    which on a loaded machine (two cores, several test runs) may take longer than 5 s."""
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)


def shot(page, name: str, full: bool = True) -> None:
    """Save a screenshot under var/screenshots/ for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)



"""A real organisation's first day in Chromium (issue 11), from an empty installation: `manage.py setup` creates
organisation A and its administrator (an installation superuser); A's administrator makes a programme, imports
its model and two datasets; creates organisation B and B's administrator in Django's admin (the app itself has no
screen to create a second organisation: that is the installation superuser's job); invites B as a partner by
e-mail; B's administrator follows the link from the e-mail, accepts, requires two-factor login, invites a
researcher (link from the e-mail) and gives them the researcher role in the programme; the researcher sets up
TOTP and logs in with a code; sees no dataset of A until A shares one, then that one only.
Screenshots under var/screenshots/first-day-*.png."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from impactlab.io.synth import synth
from impactlab.model.examples import example_text
from impactlab_web.accounts.models import TwoFactorRule
from impactlab_web.organisations.models import Organisation
from tests_web.conftest import shot

PASSWORD = "veld-lamp-92-kies"


@pytest.fixture
def eager(settings, var_dir):
    settings.IMPACTLAB_JOBS_EAGER = True


def log_in(page, live_server, username: str, path: str = "/") -> None:
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()


def link_in_last_mail(to: str) -> str:
    message = [m for m in mail.outbox if to in m.to][-1]
    found = re.search(r"https?://\S+", message.body)
    assert found, message.body
    return found.group(0).rstrip(".")


def upload(page, live_server, programme_pk: int, path: Path, name: str) -> None:
    page.goto(f"{live_server.url}/programmes/{programme_pk}/data/")
    page.get_by_role("link", name="Upload data").click()
    page.get_by_label("Data file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_label("Dataset name").fill(name)
    page.get_by_label("Answer codes that mean 'no answer' (items)").fill("9")
    page.get_by_role("button", name="Import").click()
    from playwright.sync_api import expect
    expect(page.get_by_test_id("import-summary")).to_contain_text("rows imported", timeout=15000)


def test_first_day(page, live_server, eager, tmp_path: Path, monkeypatch) -> None:
    from playwright.sync_api import expect

    # (1) the first-run command on an empty installation
    assert not Organisation.objects.exists()
    (tmp_path / "password").write_text(PASSWORD)
    call_command("setup", organisation="Stichting Welzijn Venlo", kind="welfare", username="anna",
                 email="anna@welzijn.test", name="Anna Admin", language="en",
                 password_file=str(tmp_path / "password"), superuser=True, no_input=True)
    welfare = Organisation.objects.get()

    # (2) A's administrator: a programme, its model, two datasets
    log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/programmes/new/")
    page.get_by_label("Name").fill("Buurtcirkels Venlo")
    page.get_by_role("button", name="Create programme").click()
    programme_pk = int(re.search(r"/programmes/(\d+)/", page.url).group(1))
    model = tmp_path / "buurtcirkels.yaml"
    model.write_text(example_text("buurtcirkels"))
    page.goto(f"{live_server.url}/programmes/{programme_pk}/model/import/")
    page.get_by_label("YAML file").set_input_files(str(model))
    page.get_by_role("button", name="Import YAML").click()
    expect(page.get_by_text("as version 1")).to_be_visible()
    survey = tmp_path / "enquete.csv"
    synth(respondents=40, waves=2, out=survey, seed=7, items=11)
    upload(page, live_server, programme_pk, survey, "enquete")
    second = tmp_path / "tweede.csv"
    synth(respondents=30, waves=2, out=second, seed=11, items=11)
    upload(page, live_server, programme_pk, second, "registratie")
    page.goto(f"{live_server.url}/programmes/{programme_pk}/data/")
    expect(page.get_by_role("link", name="enquete", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="registratie", exact=True)).to_be_visible()
    shot(page, "first-day-01-a-datasets")

    # (3) organisation B and its administrator: in Django's admin (no screen in the app creates an organisation)
    page.goto(f"{live_server.url}/admin/organisations/organisation/add/")
    page.get_by_label("Name").fill("Gemeente Venlo")
    page.get_by_label("Kind").select_option("municipality")
    page.get_by_role("button", name="Save", exact=True).click()
    municipality = Organisation.objects.get(name="Gemeente Venlo")
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    page.locator("#id_username").fill("gert")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator("#id_email").fill("gert@venlo.test")
    page.get_by_role("button", name="Save", exact=True).click()
    page.goto(f"{live_server.url}/admin/organisations/membership/add/")
    page.locator("#id_user").select_option(label="gert")
    page.locator("#id_role").select_option("administrator")
    page.locator("#id_organisation").select_option(label="Gemeente Venlo")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()
    shot(page, "first-day-02-admin-membership")

    # A invites B by e-mail from the programme's Partners tab
    page.goto(f"{live_server.url}/programmes/{programme_pk}/")
    page.get_by_role("navigation", name="Programme").get_by_role("link", name="Partners").click()
    page.get_by_label("E-mail address of the other organisation's administrator").fill("gert@venlo.test")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("The invitation was sent to gert@venlo.test.")).to_be_visible()
    log_out(page)

    # (4) B's administrator follows the e-mail's link, accepts
    link = link_in_last_mail("gert@venlo.test")
    page.goto(link)
    page.get_by_label("Username").fill("gert")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Buurtcirkels Venlo")).to_be_visible()
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text("Gemeente Venlo takes part in Buurtcirkels Venlo.")).to_be_visible()
    shot(page, "first-day-03-b-accepted")

    # B's administrator invites a researcher
    page.goto(f"{live_server.url}/organisations/{municipality.pk}/people/")
    page.get_by_label("E-mail address").fill("rik@venlo.test")
    page.get_by_label("Role in the organisation").select_option("researcher")
    page.get_by_label("Language of the invitation").select_option("en")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("An invitation was sent to rik@venlo.test.")).to_be_visible()
    log_out(page)

    invitation = link_in_last_mail("rik@venlo.test")
    assert "/invitations/" in invitation
    page.goto(invitation)
    page.get_by_label("Login name").fill("rik")
    page.get_by_label("Full name").fill("Rik Onderzoeker")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    page.context.clear_cookies()

    # B's administrator gives rik the researcher role in the programme
    log_in(page, live_server, "gert", f"/organisations/{municipality.pk}/people/")
    page.get_by_role("row", name=re.compile("rik@venlo.test")).get_by_role("link", name="Roles").click()
    page.get_by_role("group", name="Only in the programme Buurtcirkels Venlo").get_by_label("Researcher").check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_text("Buurtcirkels Venlo: Researcher")).to_be_visible()
    shot(page, "first-day-04-b-people")
    # and requires two-factor login for the roles that see personal data (last: it applies to gert too)
    page.goto(f"{live_server.url}/organisations/{municipality.pk}/people/")
    page.get_by_role("button", name="Require two-factor login").click()
    # the rule applies at once to gert himself, an administrator: the next page asks him to set it up
    expect(page.get_by_text("Your organisation requires two-factor login for your role.")).to_be_visible()
    assert TwoFactorRule.objects.get(organisation=municipality).required
    page.context.clear_cookies()

    # the researcher: set up TOTP (required), log out, log in with a code
    log_in(page, live_server, "rik")
    expect(page.get_by_text("Your organisation requires two-factor login for your role.")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    assert secret
    device = TOTPDevice.objects.get(user__username="rik", confirmed=False)

    def code() -> str:
        """The authenticator app's code: of a time step after the last one used (django-otp takes each once)."""
        device.refresh_from_db()
        while True:
            now = int((time.time() - device.t0) // device.step)
            if device.last_t < now + 1:
                drift = max(0, device.last_t + 1 - now)
                return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"
            time.sleep(1)

    shot(page, "first-day-05-totp-setup")
    page.get_by_label("Code from your authenticator app").fill(code())
    page.get_by_role("button", name="Turn on").click()
    device.refresh_from_db()
    assert device.confirmed
    page.context.clear_cookies()
    log_in(page, live_server, "rik")
    page.get_by_label("Code from your authenticator app").fill(code())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert "/two-factor/" not in page.url

    # (5) before any agreement: no dataset of A
    page.goto(f"{live_server.url}/programmes/{programme_pk}/data/")
    expect(page.get_by_role("heading", name="Datasets", exact=True)).to_be_visible()
    content = page.content()
    assert "enquete" not in content and "registratie" not in content
    shot(page, "first-day-06-researcher-before")
    page.context.clear_cookies()

    # A shares 'enquete' with B
    log_in(page, live_server, "anna", f"/programmes/{programme_pk}/data/")
    page.get_by_role("link", name="enquete", exact=True).click()
    page.get_by_role("link", name="Share with a partner").click()
    page.get_by_label("Partner organisation").select_option(label="Gemeente Venlo")
    page.get_by_label("Purpose").fill("Effectmeting gemeente")
    page.get_by_label("Valid until").fill("2099-12-31")
    page.get_by_role("button", name="Share the dataset").click()
    expect(page.get_by_role("button", name="Withdraw")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Gemeente Venlo.*Effectmeting gemeente"))).to_be_visible()
    page.context.clear_cookies()

    # the researcher sees that dataset, and only that one
    log_in(page, live_server, "rik", f"/programmes/{programme_pk}/data/")
    page.get_by_label("Code from your authenticator app").fill(code())
    page.get_by_role("button", name="Log in").click()
    assert "/two-factor/" not in page.url
    page.goto(f"{live_server.url}/programmes/{programme_pk}/data/")
    expect(page.get_by_role("link", name="enquete", exact=True)).to_be_visible()
    assert "registratie" not in page.content()
    shot(page, "first-day-07-researcher-after")
    assert welfare.pk != municipality.pk

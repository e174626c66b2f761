"""The editor: inline messages equal the core's; saving, import and export round-trip without loss."""

from __future__ import annotations

import html
import re

from django.core.files.uploadedfile import SimpleUploadedFile

from impactlab.model import check_text
from impactlab.model.examples import example_text
from tests_web.conftest import World

BROKEN = (example_text("buurtcirkels")
          .replace("deadweight: 0.30\n    attribution: 0.30", "deadweight: 1.4\n    attribution: 0.30")
          .replace("    unit: WELLBY\n", "    unit: WELLBY\n    proxi: wellby\n")
          .replace("stakeholder: insurer", "stakeholder: insurers"))


def messages(page: str, kind: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(rf'<li class="check-{kind}">(.*?)</li>', page, re.S)]


def url(world: World, tail: str) -> str:
    return f"/programmes/{world.programme.pk}/model/{tail}"


def test_inline_messages_equal_the_core(client, world: World) -> None:
    client.force_login(world.user("researcher", "own"))
    texts = (BROKEN, BROKEN.replace("proxi: wellby\n", ""), "impactlab: 1\nprogramme: [\n", example_text("eenzaamheid"))
    for text in texts:
        page = client.post(url(world, "check/"), {"text": text}).content.decode()
        report = check_text(text, "model.yaml")
        assert messages(page, "error") == report.errors
        assert messages(page, "warning") == report.warnings
    assert len(check_text(BROKEN, "model.yaml").errors) >= 1


def test_live_summary_shows_key_figures(client, world: World) -> None:
    client.force_login(world.user("researcher", "own"))
    page = client.post(url(world, "check/"), {"text": example_text("buurtcirkels")}).content.decode()
    assert "The model is valid" in page and 'data-testid="sroi"' in page and "Gemeente Venlo" in page


def test_save_makes_a_version_and_errors_keep_the_text(client, world: World) -> None:
    client.force_login(world.user("administrator", "own"))
    response = client.post(url(world, "save/"), {"text": BROKEN, "message": "try"})
    assert response.status_code == 422 and world.programme.versions.count() == 2
    assert "proxi: wellby" in html.unescape(response.content.decode())
    response = client.post(url(world, "save/"), {"text": example_text("eenzaamheid"), "message": "other model"})
    assert response.status_code == 302
    assert world.programme.latest_version().message == "other model"


def test_export_reimports_losslessly(client, world: World) -> None:
    client.force_login(world.user("administrator", "own"))
    latest = world.programme.latest_version()
    exported = client.get(url(world, "export.yaml"))
    assert exported["Content-Disposition"].startswith("attachment;")
    text = exported.content.decode()
    assert text == latest.text
    upload = SimpleUploadedFile("model.yaml", exported.content, content_type="application/yaml")
    assert client.post(url(world, "import/"), {"file": upload}).status_code == 302
    again = world.programme.latest_version()
    assert again.number == latest.number + 1 and again.text == latest.text and again.document == latest.document
    assert check_text(text).model == check_text(latest.text).model


def test_import_of_a_broken_file_reports_in_the_editor(client, world: World) -> None:
    client.force_login(world.user("administrator", "own"))
    upload = SimpleUploadedFile("broken.yaml", BROKEN.encode(), content_type="application/yaml")
    page = client.post(url(world, "import/"), {"file": upload})
    assert page.status_code == 422
    assert messages(page.content.decode(), "error") == check_text(BROKEN, "model.yaml").errors
    binary = SimpleUploadedFile("x.yaml", b"\xff\xfe\x00", content_type="application/yaml")
    page = client.post(url(world, "import/"), {"file": binary}).content.decode()
    assert "not UTF-8" in page


def test_viewer_sees_a_read_only_editor(client, world: World) -> None:
    client.force_login(world.user("viewer", "own"))
    page = client.get(url(world, "")).content.decode()
    assert "readonly" in page and "Save as new version" not in page

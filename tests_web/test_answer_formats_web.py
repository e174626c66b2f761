"""The answers step of the web mapping page (issue 9): a three-point De Jong Gierveld file is detected, the user
picks the format (or confirms a recode), the mapping carries the core's `answer_format` / `recode`, and the
scores equal a hand calculation."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse

from impactlab.evidence.scored import score_spec, scored_frame
from impactlab.evidence.workspace import Workspace
from impactlab_web.data.models import Upload
from impactlab_web.jobs.runner import run_pending
from tests_web.conftest import World
from tests_web.test_dashboards import login, upload

DJG11 = [f"lone{n}" for n in range(1, 12)]
# Three-point answers (1 no, 2 more or less, 3 yes); by hand with the manual's rule (negatively worded items
# count "more or less" and "yes", positively worded items 1, 4, 7, 8, 11 count "more or less" and "no"):
#   a: 1 2 3 3 1 2 1 3 2 1 3 -> social lone1 1 + lone4 0 + lone7 1 + lone8 0 + lone11 0 = 2,
#      emotional lone2 1 + lone3 1 + lone5 0 + lone6 1 + lone9 1 + lone10 0 = 4; total 6
#   b: all "yes" -> 6 (emotional 6, social 0); c: all "more or less" -> 11; d: all "no" -> 5 (social 5)
# Read as five-point answers b and c would score 11 and 5: the silent error the step prevents.
HAND = {"a": ([1, 2, 3, 3, 1, 2, 1, 3, 2, 1, 3], 6, 4, 2), "b": ([3] * 11, 6, 6, 0),
        "c": ([2] * 11, 11, 6, 5), "d": ([1] * 11, 5, 0, 5)}


def three_point_csv(folder: Path, shift: int = 0, name: str = "monitor.csv") -> Path:
    """The hand-calculated rows at T0 (codes minus `shift`: 0-2 for shift 1)."""
    lines = ["respondent_id,wave," + ",".join(DJG11)]
    lines += [f"{key},T0," + ",".join(str(a - shift) for a in answers) for key, (answers, *_) in HAND.items()]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _post(client, url: str, page, **changes):
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields} | {"dataset": "monitor"} | changes
    return client.post(url, data)


def _scores(var_dir: Path, dataset: str = "monitor") -> list[tuple[float, float, float]]:
    frame, _ = scored_frame(Workspace(var_dir / "workspace").store(), dataset, score_spec("djg-11"))
    return list(zip(frame["djg-11"].to_list(), frame["djg-11.emotional"].to_list(),
                    frame["djg-11.social"].to_list(), strict=True))


EXPECTED = [(total, emotional, social) for _answers, total, emotional, social in HAND.values()]


def test_three_point_file_is_detected_and_scored_as_the_hand_calculation(world: World, var_dir: Path,
                                                                         tmp_path: Path) -> None:
    client = login(world)
    url = upload(client, world, three_point_csv(tmp_path))["Location"]
    page = client.get(url)
    step = page.context["answers"]
    assert step.instrument.id == "djg-11" and step.chosen == "three_point"  # detected and preselected
    assert [f for f, _name in step.formats] == ["five_point", "three_point"]
    html = page.content.decode()
    assert "fit the answer format “three answers: no, more or less, yes” best" in html
    lone1 = next(i for i in step.items if i.code == "lone1")
    assert lone1.expected == [("1", "no"), ("2", "more or less"), ("3", "yes")]
    assert [(f["code"], f["count"]) for f in lone1.found] == [("1", 2), ("2", 1), ("3", 1)]
    assert not step.problems
    response = _post(client, url, page, answer_format="three_point")
    assert response.status_code == 302, response.context and response.context.get("answers_errors")
    run_pending()
    found = Upload.objects.get()
    assert found.state == Upload.State.IMPORTED, found.report
    assert found.mapping["answer_format"] == "three_point" and "recode" not in found.mapping
    assert not [w for w in found.report["warnings"] if "answer format" in w]
    assert _scores(var_dir) == EXPECTED


def test_five_point_chosen_for_three_point_answers_is_shown_before_the_import(world: World, var_dir: Path,
                                                                              tmp_path: Path) -> None:
    client = login(world)
    url = upload(client, world, three_point_csv(tmp_path))["Location"]
    page = client.get(url)
    blocked = _post(client, url, page, answer_format="five_point")
    assert blocked.status_code == 422
    assert Upload.objects.get().state == Upload.State.MAPPING
    text = " ".join(blocked.content.decode().split())
    assert "better than the chosen “five answers: no!, no, more or less, yes, yes!”" in text
    assert blocked.context["answers"].chosen == "five_point"
    # seen: the user insists (the core's warning goes with the import)
    done = _post(client, url, blocked)
    assert done.status_code == 302
    run_pending()
    found = Upload.objects.get()
    assert found.state == Upload.State.IMPORTED and found.mapping["answer_format"] == "five_point"
    assert any("fit the answer format 'three_point' better" in w for w in found.report["warnings"])


def test_codes_0_to_2_get_a_prefilled_recode_that_the_mapping_stores(world: World, var_dir: Path,
                                                                     tmp_path: Path) -> None:
    client = login(world)
    url = upload(client, world, three_point_csv(tmp_path, shift=1))["Location"]
    page = client.get(url)
    step = page.context["answers"]
    assert step.chosen == "three_point" and step.recode == {"0": 1, "1": 2, "2": 3}
    rows = {r["name"]: r["value"] for r in step.recode_rows}
    assert rows == {"recode__0": "1", "recode__1": "2", "recode__2": "3"}
    assert any("fit none of the instrument's answer formats" in n for n in step.notices)
    lone1 = next(i for i in step.items if i.code == "lone1")
    assert [(f["code"], f["to"], f["outside"]) for f in lone1.found] == [("0", "1", False), ("1", "2", False),
                                                                        ("2", "3", False)]
    response = _post(client, url, page, **rows)
    assert response.status_code == 302
    run_pending()
    found = Upload.objects.get()
    assert found.state == Upload.State.IMPORTED, found.report
    assert found.mapping["answer_format"] == "three_point"
    assert found.mapping["recode"] == {item: {"0": 1, "1": 2, "2": 3} for item in DJG11}
    assert _scores(var_dir) == EXPECTED


def test_a_recode_to_a_code_the_format_lacks_is_a_message(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    url = upload(client, world, three_point_csv(tmp_path, shift=1))["Location"]
    page = client.get(url)
    response = _post(client, url, page, recode__0="1", recode__1="2", recode__2="7")
    assert response.status_code == 422
    assert "Recode 2: 7 is not an answer code of this format (1, 2, 3)." in response.content.decode()
    assert Upload.objects.get().state == Upload.State.MAPPING
    # a format changed without looking is shown first (never a score in a format the user has not seen)
    unseen = _post(client, url, page, answer_format="five_point", **{f"recode__{c}": "" for c in "012"})
    assert unseen.status_code == 422 and unseen.context["answers"].chosen == "five_point"
    assert Upload.objects.get().state == Upload.State.MAPPING
    # the check button shows the choices without importing
    checked = _post(client, url, page, action="check", answer_format="five_point")
    assert checked.status_code == 200 and checked.context["answers"].chosen == "five_point"
    assert Upload.objects.get().state == Upload.State.MAPPING


def test_the_answers_step_speaks_dutch(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    url = upload(client, world, three_point_csv(tmp_path))["Location"]
    client.post(reverse("accounts:language"), {"language": "nl", "next": "/"})
    html = " ".join(client.get(url).content.decode().split())
    assert "Antwoordschaal van de vragenlijst" in html
    assert "drie antwoorden: nee, min of meer, ja" in html
    assert "min of meer" in html and "In het bestand" in html
    assert "passen het best bij de antwoordschaal “drie antwoorden: nee, min of meer, ja”" in html


def test_an_upload_read_before_codes_were_counted_says_so(world: World, var_dir: Path, tmp_path: Path) -> None:
    client = login(world)
    url = upload(client, world, three_point_csv(tmp_path))["Location"]
    found = Upload.objects.get()
    found.preview = {k: v for k, v in found.preview.items() if k != "codes"}
    found.save(update_fields=["preview"])
    step = client.get(url).context["answers"]
    assert step.notices[0].startswith("This file was read before impactlab counted the answer codes")
    assert all(item.found is None for item in step.items)
    assert step.chosen == "five_point"  # no codes seen: the instrument's first format, no guess

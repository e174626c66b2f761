"""The report's theory of change is drawn per stakeholder (issue 9): each stakeholder's own inputs, activities,
outputs and outcomes, from the same lanes as the web app's page (``impactlab.model.theory.lanes``)."""

from __future__ import annotations

import re

import pytest

from impactlab.model import parse_model
from impactlab.model.theory import lanes
from impactlab.reports.blocks import Paragraph, Picture
from impactlab.reports.document import build_report
from impactlab.reports.html import render_html
from impactlab.reports.pdf import typst_files

MODEL = """
impactlab: 1
programme: {name: Circles, price_year: 2025}
stakeholders:
  - {id: residents, name: Residents, size: 100, category: client}
  - {id: volunteers, name: Volunteers, size: 10, category: informal}
  - {id: municipality, name: Municipality, category: funder}
  - {id: insurer, name: Insurer, category: funder}
inputs:
  - {id: grant, stakeholder: municipality, description: Subsidy for the circles, amount: 10000}
  - {id: hours, stakeholder: volunteers, description: Volunteer hours, quantity: 100,
     proxy: volunteer_hour_minimum_wage}
activities:
  - {id: circles, name: Weekly circle meetings, stakeholders: [residents], inputs: [grant, hours]}
  - {id: training, name: Training of volunteers, stakeholders: [volunteers], inputs: [hours]}
  - {id: publicity, name: Posters in the neighbourhood}
outputs:
  - {id: meetings, activity: circles, stakeholders: [residents], description: Meetings held, quantity: 40}
  - {id: trained, activity: training, stakeholders: [volunteers], description: Volunteers trained, quantity: 10}
outcomes:
  - {id: less_lonely, stakeholder: residents, description: Residents feel less lonely, quantity: 30, value: 500,
     deadweight: 0.2, outputs: [meetings]}
  - {id: skills, stakeholder: volunteers, description: Volunteers gain skills, quantity: 8, value: 300,
     deadweight: 0.2, outputs: [trained]}
"""


@pytest.fixture(scope="module")
def report():
    return {lang: build_report(parse_model(MODEL), lang=lang, draws=200, seed=1, date="2026-12-06")
            for lang in ("en", "nl")}


def theory(doc) -> list:
    return next(s for s in doc.sections if s.id == "theory").blocks


def test_one_picture_per_stakeholder_with_its_own_chain(report) -> None:
    blocks = theory(report["en"])
    pictures = {b.title: b for b in blocks if isinstance(b, Picture)}
    assert list(pictures) == ["Residents (client)", "Volunteers (informal)", "Municipality (funder)",
                              "The programme as a whole"]
    assert len({p.id for p in pictures.values()}) == 4  # one file each in the PDF
    residents = pictures["Residents (client)"].svg
    assert "Weekly circle meetings" in residents and "Meetings held" in residents
    assert "Residents feel less lonely" in residents and "Volunteers gain skills" not in residents
    assert "Training of volunteers" not in residents and "Posters" not in residents
    assert residents.count("marker-end") == 2  # circles -> meetings -> less lonely
    volunteers = pictures["Volunteers (informal)"].svg
    assert "Volunteer hours" in volunteers and "Volunteers gain skills" in volunteers
    # the residents' circles use the volunteers' hours: shown, dashed, and whose they are
    assert "of: Residents" in volunteers and 'stroke-dasharray="4 3"' in volunteers
    assert "Subsidy for the circles" in pictures["Municipality (funder)"].svg
    assert "Posters in the neighbourhood" in pictures["The programme as a whole"].svg
    assert any(isinstance(b, Paragraph) and b.text == "Insurer: nothing described yet." for b in blocks)
    # the same lanes as the web app's page
    assert [lane.name for lane in lanes(parse_model(MODEL))] == ["Residents", "Volunteers", "Municipality",
                                                                  "Insurer", ""]


def test_the_pictures_in_dutch_in_html_and_pdf(report) -> None:
    blocks = theory(report["nl"])
    titles = [b.title for b in blocks if isinstance(b, Picture)]
    assert titles[-1] == "Het programma als geheel"
    assert "van: Residents" in next(b.svg for b in blocks if isinstance(b, Picture) and b.title.startswith("Vol"))
    assert any(isinstance(b, Paragraph) and b.text == "Insurer: nog niets beschreven." for b in blocks)
    page = render_html(report["nl"])
    section = page[page.index('<section id="theory">'):]
    section = section[:section.index("</section>")]
    assert len(re.findall(r"<figure class=picture><svg", section)) == 4
    files = typst_files(report["en"])
    assert {f"theory-{n}.svg" for n in (1, 2, 3, 5)} <= set(files)

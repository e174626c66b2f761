"""Browser test in real Chromium: code a passage by selecting it with the mouse, link the quote to an outcome
and see it under that outcome. Screenshots in var/screenshots/qualitative-*.png."""

from __future__ import annotations

from impactlab.model.examples import example_text
from impactlab_web.organisations.models import Organisation, Role
from impactlab_web.programmes import modelling
from impactlab_web.programmes.models import Programme
from impactlab_web.qualitative.models import Code, Coding, Document
from tests_web.conftest import make_user, shot

TEXT = "\n".join([
    "Interviewer: Hoe was het voordat u bij de buurtcirkel kwam?",
    "Deelnemer: Ik zat veel alleen thuis. De dagen waren lang.",
    "Interviewer: En nu?",
    "Deelnemer: Nu heb ik elke dinsdag de cirkel. Ik voel me minder alleen, echt waar. Café één keer per week.",
])
PHRASE = "Ik voel me minder alleen, echt waar."


def _select(page, phrase: str) -> None:
    """Drag the mouse over `phrase` in the document text, as a person would."""
    box = page.evaluate("""(phrase) => {
        const container = document.getElementById("doc-text");
        const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.data.indexOf(phrase);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at); range.setEnd(node, at + phrase.length);
                const rects = range.getClientRects();
                const first = rects[0], last = rects[rects.length - 1];
                return {x1: first.left + 1, y1: first.top + first.height / 2,
                        x2: last.right - 1, y2: last.top + last.height / 2};
            }
        }
        return null;
    }""", phrase)
    assert box, phrase
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, box["y2"], steps=5)
    page.mouse.move(box["x2"], box["y2"], steps=5)
    page.mouse.up()


def test_code_a_passage_by_selecting_it_and_see_the_quote_under_its_outcome(page, live_server) -> None:
    from playwright.sync_api import expect

    welfare = Organisation.objects.create(name="Stichting Welzijn Venlo", kind="welfare")
    user = make_user("rob", Role.RESEARCHER, welfare)
    programme = Programme.objects.create(name="Buurtcirkels Venlo", lead=welfare)
    modelling.save_version(programme, example_text("buurtcirkels"), user, "model")
    document = Document.objects.create(programme=programme, label="R-01", group="residents", kind="text",
                                       sha256="1" * 64, text=TEXT)
    social = Code.objects.create(programme=programme, name="Sociale contacten", colour="#60a5fa")
    lonely = Code.objects.create(programme=programme, name="Minder eenzaam", parent=social, colour="#34d399")

    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("rob")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/programmes/{programme.pk}/qualitative/")
    expect(page.get_by_role("heading", name="Interviews and stories")).to_be_visible()
    shot(page, "qualitative-1-documents")
    page.get_by_role("link", name="R-01").click()
    expect(page.get_by_role("heading", name="R-01")).to_be_visible()

    _select(page, PHRASE)
    status = page.locator("#selection-status")
    expect(status).to_contain_text(PHRASE)
    page.get_by_label("Code", exact=True).select_option(label="\u2003Minder eenzaam")
    shot(page, "qualitative-2-selected")
    page.get_by_role("button", name="Apply code").click()
    expect(page.locator(f"mark.code-{lonely.pk}")).to_have_text(PHRASE)
    expect(page.locator(".messages")).to_contain_text("Coded with Minder eenzaam")
    saved = Coding.objects.get()
    assert document.text[saved.start:saved.end] == PHRASE and saved.coder == user
    assert page.console == [] or not any("Content Security Policy" in m for m in page.console), page.console

    # keyboard alternative: a sentence from the list, then the code
    page.get_by_label("Passage").select_option(label="Café één keer per week.")
    page.get_by_label("Code", exact=True).select_option(label="Sociale contacten")
    page.get_by_role("button", name="Apply code").click()
    expect(page.locator(f"mark.code-{social.pk}")).to_have_text("Café één keer per week.")
    shot(page, "qualitative-3-coded")

    # link the first coding to the outcome "less lonely" and see it there
    item = page.locator(f"#coding-{saved.pk}")
    item.get_by_label("Outcome").select_option("less_lonely")
    item.get_by_role("button", name="Link quote to outcome").click()
    expect(page.locator(f"#coding-{saved.pk}")).to_contain_text("Supports: Residents feel less lonely")
    page.get_by_role("link", name="Quotes per outcome").click()
    outcome = page.locator("#outcome-less_lonely")
    expect(outcome.locator(".q-quote")).to_have_text(f"“{PHRASE}”")
    expect(outcome.locator(".q-source")).to_contain_text("R-01, Participating residents")
    outcome.scroll_into_view_if_needed()
    shot(page, "qualitative-4-quote-under-outcome")

    page.get_by_role("link", name="Agreement").click()
    expect(page.get_by_role("heading", name="Agreement between coders")).to_be_visible()
    page.get_by_role("link", name="Frequencies").click()
    expect(page.locator("table.q-freq").first).to_contain_text("Sociale contacten / Minder eenzaam")
    shot(page, "qualitative-5-frequencies")
    page.get_by_role("link", name="Codebook").click()
    expect(page.get_by_role("heading", name="Codebook")).to_be_visible()
    shot(page, "qualitative-6-codebook")

"""Demo part (``demo.EXTENSIONS``): a finished first learning cycle with a report, review comments and conclusions,
and a second cycle in progress with a revised deadweight, so that the comparison shows something. Idempotent."""

from __future__ import annotations

import datetime as dt

from impactlab_web.core.demo import DemoContext
from impactlab_web.programmes import modelling
from impactlab_web.review import cycles, reporting, sharing
from impactlab_web.review.models import Cycle, Phase, ReportVersion

OLD_DEADWEIGHT = "deadweight: {base: 0.25, low: 0.15, high: 0.40}"
NEW_DEADWEIGHT = "deadweight: {base: 0.35, low: 0.25, high: 0.45}"
REVISION = "Cycle 2: deadweight of 'less lonely' revised to 35% (GGD monitor 2026)"
CONCLUSIONS = (
    "Residents and the municipality recognise the main outcomes. Loneliness fell measurably between T0 and T1 "
    "(DJG-11). The reviewer from the municipality questioned the delayed home support (Wmo): the team explained "
    "the comparison with the district average and will measure it with registrations in cycle 2.\n"
    "For cycle 2: a stricter deadweight for loneliness (the regional trend improved), and a control district."
)
CHANGE_NOTE = (
    "The GGD Gezondheidsmonitor 2026 shows that loneliness also fell outside the circles, so more of the change "
    "would have happened anyway: the deadweight of 'Residents feel less lonely' goes from 25% to 35%."
)


def seed(context: DemoContext) -> None:
    programme, users, say = context.programme, context.users, context.say
    first_version = programme.versions.order_by("number").first()
    if first_version is None:
        return
    first = programme.cycles.filter(number=1).first()
    if first is None:
        first = cycles.create_cycle(programme, "2025", users["admin"],
                                    "Do the circles reduce loneliness, and what is that worth, and to whom?")
        start = dt.date(2025, 1, 6)
        for k, phase in enumerate(first.phases.all()):
            phase.status = Phase.Status.DONE
            phase.started = start + dt.timedelta(weeks=10 * k)
            phase.finished = start + dt.timedelta(weeks=10 * k + 9)
            phase.notes = {"problem_analysis": "Steering group with the municipality; outcomes agreed with residents.",
                           "fieldwork": "DJG-11 survey at T0 and T1, 240 residents.",
                           "analysis": "Change T0-T1, reliable change; value map with the university.",
                           "reporting": "Report in Dutch (PDF and HTML).",
                           "sharing": "Shared with the municipality's reviewer; comments answered."}[phase.kind]
            phase.save()
        cycles.freeze(first, first_version)
        first.datasets.set(programme.datasets.filter(name="buurtcirkels-enquete"))
        first.conclusions = CONCLUSIONS
        first.status = Cycle.Status.RUNNING
        first.save()
        say("review: cycle 1 (2025)")
    report = first.reports.filter(status=ReportVersion.Status.READY).first()
    if report is None:
        report = first.reports.first() or ReportVersion.objects.create(
            cycle=first, number=1, lang="nl", formats=["pdf", "html"], model_version=first.model_version,
            draws=reporting.default_draws(), seed=reporting.default_seed(), created_by=users["researcher"])
        reporting.generate(report)
        say(f"review: report of cycle 1 ({', '.join(report.files)})")
    sharing.share_with_role(report, users["researcher"])
    if not report.comments.exists():
        reviewer, researcher = users["reviewer"], users["researcher"]
        sharing.add_comment(report, "outcome", "less_lonely", "Dit herkennen we: de deelnemers die wij spreken zijn "
                            "minder alleen en komen vaker buiten.", "agree", reviewer)
        doubt = sharing.add_comment(report, "outcome", "delayed_care", "Wij zien in onze Wmo-cijfers nog geen "
                                    "daling van aanvragen in deze wijken.", "disagree", reviewer)
        sharing.answer(doubt, "Terecht punt: het effect is geschat tegen het wijkgemiddelde. In cyclus 2 meten we het "
                       "met de registraties en een controlewijk.", researcher, resolve=True)
        sharing.add_comment(report, "section", "limitations", "Graag ook vermelden dat de respons in Tegelen lager "
                            "was.", "", reviewer)
    if first.status != Cycle.Status.FINISHED:
        cycles.finish(first)
    second = programme.cycles.filter(number=2).first()
    if second is None:
        revised = programme.versions.filter(message=REVISION).first()
        if revised is None:
            text = first.model_version.text
            if OLD_DEADWEIGHT not in text:
                return
            revised = modelling.save_version(programme, text.replace(OLD_DEADWEIGHT, NEW_DEADWEIGHT),
                                             users["researcher"], REVISION)
        second = cycles.create_cycle(programme, "2026", users["admin"],
                                     "Does the effect last, and does home support (Wmo) really come later?")
        cycles.update_phase(second.phases.get(kind=Phase.Kind.PROBLEM_ANALYSIS), Phase.Status.DONE,
                            "Comments of cycle 1 taken in; control district chosen.", dt.date(2026, 1, 5),
                            dt.date(2026, 2, 27))
        cycles.update_phase(second.phases.get(kind=Phase.Kind.FIELDWORK), Phase.Status.ACTIVE,
                            "T2 survey running; Wmo registrations requested.", dt.date(2026, 3, 2))
        modelling.publish(revised, None)  # a cycle works with a published version
        cycles.freeze(second, revised)
        second.change_note = CHANGE_NOTE
        second.save(update_fields=["change_note"])
        say("review: cycle 2 (2026) in progress, model version with a revised deadweight")

"""Objects of learning cycles and review in the test world (for url_arguments and the review tests)."""

from __future__ import annotations

from impactlab_web.programmes import modelling
from impactlab_web.review import cycles, sharing
from impactlab_web.review.models import Comment, Cycle, ReportVersion, Share


def cycle(world) -> Cycle:
    """Cycle 1 of the world's programme, frozen on model version 1 (published: a cycle works with a published
    version, and its report is shared with the reviewers)."""
    found = world.programme.cycles.filter(number=1).first()
    if found is None:
        found = cycles.create_cycle(world.programme, "first", None)
        first = world.programme.versions.get(number=1)
        if first.is_draft:
            modelling.publish(first, None)
        cycles.freeze(found, first)
    return found


def report(world) -> ReportVersion:
    """A ready report version of cycle 1 (no files), shared with the programme's reviewers."""
    current = cycle(world)
    found = current.reports.first()
    if found is None:
        found = ReportVersion.objects.create(
            cycle=current, number=1, lang="en", formats=["pdf"], model_version=current.model_version,
            status=ReportVersion.Status.READY,
            summary={"title": "Report", "sections": [{"id": "summary", "title": "Summary"}],
                     "outcomes": [{"id": "less_lonely", "description": "Residents feel less lonely",
                                   "stakeholder": "Residents", "present_value": 1.0, "quantity": 1.0,
                                   "deadweight": 0.25, "attribution": 0.3, "displacement": 0.0, "drop_off": 0.5}]})
        sharing.share_with_role(found)
    return found


def share(world) -> Share:
    """Gemma Gemeente's personal link to the report (one active per reviewer)."""
    found = report(world).shares.filter(kind=Share.Kind.LINK, name="Gemma Gemeente", revoked_at__isnull=True).first()
    return found or sharing.share_link(report(world), "Gemma Gemeente")[0]


def token(world) -> str:
    return sharing.token_for(share(world))


def comment(world) -> Comment:
    found = Comment.objects.filter(report=report(world), parent__isnull=True).first()
    return found or sharing.add_comment(report(world), "outcome", "less_lonely", "Not what we see.", "disagree")

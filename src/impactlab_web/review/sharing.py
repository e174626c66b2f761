"""Who may see a report version, personal links (signed tokens), comments and each outcome's verification status.

A personal link carries a token signed with Django's signing (the SECRET_KEY, a salt of its own): the share's id
and a random nonce. It is valid while the share exists, is not revoked and has not expired; it shows only that
one report version. Programme reviewers see a report version only while it is shared with their role; the rest
of the team (roles allowed ``reports.drafts``) sees every version.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab_web.core import permissions
from impactlab_web.notifications.notify import Kind, base_url, notify
from impactlab_web.programmes.models import Programme
from impactlab_web.review.models import Comment, ReportVersion, Share

SALT = "impactlab.review.share"
DEFAULT_DAYS = 30


def reports_for(user: Any, programme: Programme) -> QuerySet[ReportVersion]:
    """The report versions of the programme this user may open: those of a draft model version only for those
    who see drafts (``evidence.sees_drafts``); reviewers only those shared with their role."""
    from impactlab_web.core.evidence import sees_drafts

    reports = ReportVersion.objects.filter(cycle__programme=programme).select_related("cycle", "model_version")
    if not sees_drafts(user, programme):
        reports = reports.filter(model_version__published_at__isnull=False)
    if permissions.can(user, "reports.drafts", programme):
        return reports
    shared = Share.objects.filter(kind=Share.Kind.ROLE, revoked_at__isnull=True).values("report")
    return reports.filter(pk__in=shared, status=ReportVersion.Status.READY)


class AlreadyShared(UserError):
    """The reviewer already has an active personal link to this report version."""


def shareable(report: ReportVersion) -> None:
    """UserError when the report may not go outside the team: one of a draft model version (not results)."""
    if report.model_version.is_draft:
        raise UserError(_("Not shared: this report is of version %(number)s of the impact model, an unpublished "
                          "draft whose figures are not results. Publish the version first.")
                        % {"number": report.model_version.number})


def share_with_role(report: ReportVersion, user: Any = None) -> Share:
    """The report's one active share with the reviewers' role (made now, or the one that exists)."""
    shareable(report)
    share = _create(report, Share.Kind.ROLE, "", user)
    return share or report.shares.get(kind=Share.Kind.ROLE, revoked_at__isnull=True)


def share_link(report: ReportVersion, name: str, days: int = DEFAULT_DAYS, user: Any = None) -> tuple[Share, str]:
    """A personal link for one reviewer (by name, in any case); AlreadyShared while they have an active one."""
    shareable(report)
    name = " ".join(name.split())[:120]
    share = _create(report, Share.Kind.LINK, name, user, expires_at=timezone.now() + dt.timedelta(days=days))
    if share is None:
        raise AlreadyShared(_("%(name)s already has a personal link to this report version (see below); withdraw "
                              "it first to make a new one.") % {"name": name})
    return share, token_for(share)


def _create(report: ReportVersion, kind: str, name: str, user: Any, **fields: Any) -> Share | None:
    """One active share per report version, kind and reviewer, held by the database's unique constraint (a
    doubled or concurrent submit makes one); None when it exists. An expired one is closed first, at the moment
    it expired, so the reviewer can be given a new link."""
    now = timezone.now()
    same = report.shares.filter(kind=kind, name__iexact=name, revoked_at__isnull=True)
    for expired in same.filter(expires_at__lte=now):
        Share.objects.filter(pk=expired.pk, revoked_at__isnull=True).update(revoked_at=expired.expires_at)
    try:
        with transaction.atomic():
            return Share.objects.create(report=report, kind=kind, name=name, created_by=_user(user), **fields)
    except IntegrityError:
        if not same.exists():
            raise
        return None


def token_for(share: Share) -> str:
    return signing.dumps({"s": share.pk, "n": share.nonce}, salt=SALT, compress=True)


def share_for_token(token: str) -> Share | None:
    """The active link share a token names, or None (bad signature, unknown, revoked or expired)."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    share = (Share.objects.filter(pk=data.get("s"), kind=Share.Kind.LINK).select_related("report__cycle__programme")
             .first())
    if share is None or not share.nonce or share.nonce != data.get("n") or not share.is_active():
        return None
    if share.report.status != ReportVersion.Status.READY:
        return None
    return share


def revoke(share: Share) -> Share:
    if share.revoked_at is None:
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
    return share


def _user(user: Any) -> Any:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- comments ------------------------------------------------------------------------------------------

def add_comment(report: ReportVersion, target: str, target_id: str, text: str, verdict: str = "",
                user: Any = None, share: Share | None = None) -> Comment:
    """A comment on a section or outcome. Only stakeholder reviewers (their role in the programme, or a
    personal link) say whether they recognise an outcome: the team does not verify its own results."""
    author = _user(user)
    reviewer = share is not None or (author is not None and
                                     permissions.can(author, permissions.Action.REVIEW_VERDICT, report.cycle.programme))
    if target != Comment.Target.OUTCOME or not reviewer:
        verdict = ""
    name = (author.get_full_name() or author.username) if author else (share.name if share else "")
    comment = Comment.objects.create(report=report, model_version=report.model_version, target=target,
                                     target_id=target_id, verdict=verdict,
                                     text=text, author=author, author_name=name or "?", share=share)
    _tell_report_maker(comment)
    return comment


# A disputed outcome: a reviewer's open comment saying "I do not recognise this outcome".
DISPUTE = {"verdict": Comment.Verdict.DISAGREE, "parent__isnull": True, "resolved_at__isnull": True}


def with_disputes(reports: QuerySet[ReportVersion]) -> QuerySet[ReportVersion]:
    """The reports, each with `disputed`: its open disputes (the flag on the report list and the cycle page)."""
    return reports.annotate(disputed=Count("comments", filter=Q(**{f"comments__{k}": v for k, v in DISPUTE.items()})))


def disputes(reports: QuerySet[ReportVersion]) -> QuerySet[Comment]:
    """The open disputes on these reports (the flag on the programme's overview)."""
    return Comment.objects.filter(report__in=reports, **DISPUTE)


def _tell_report_maker(comment: Comment) -> None:
    """The one who generated the report hears of each comment on it, and of a disputed outcome above all."""
    report = comment.report
    disputed = comment.verdict == Comment.Verdict.DISAGREE
    programme = report.cycle.programme

    def title() -> str:
        values = {"report": report.number, "programme": programme.name, "outcome": comment.target_id}
        if disputed:
            return _("An outcome (%(outcome)s) of report %(report)s of %(programme)s is disputed") % values
        return _("New comment on report %(report)s of %(programme)s") % values

    notify([report.created_by], Kind.DISPUTED if disputed else Kind.COMMENT, title,
           reverse("review:report", args=[programme.pk, report.pk]), base_url(), skip=comment.author)


def answer(comment: Comment, text: str, user: Any, resolve: bool = False) -> Comment:
    reply = Comment.objects.create(report=comment.report, model_version=comment.model_version,
                                   target=comment.target, target_id=comment.target_id, text=text, parent=comment,
                                   author=_user(user), author_name=user.get_full_name() or user.username)
    programme = comment.report.cycle.programme
    notify([comment.author], Kind.ANSWER,
           lambda: _("Your comment on report %(report)s of %(programme)s was answered")
           % {"report": comment.report.number, "programme": programme.name},
           reverse("review:report", args=[programme.pk, comment.report.pk]), base_url(), skip=reply.author)
    if resolve:
        mark_resolved(comment, user)
    return reply


def mark_resolved(comment: Comment, user: Any) -> Comment:
    if comment.resolved_at is None:
        comment.resolved_at, comment.resolved_by = timezone.now(), _user(user)
        comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


# --- verification ----------------------------------------------------------------------------------------

VERIFIED, DISPUTED, ADDRESSED, UNVERIFIED = "verified", "disputed", "addressed", "unverified"


def verification_status(comments: list[Comment]) -> str:
    """SROI's "verify the result", per outcome, from the reviewers' verdicts on one report version:
    an open disagreement or suggestion makes it *disputed*; otherwise an agreement makes it *verified*;
    resolved objections alone make it *addressed*; no verdict at all leaves it *unverified*."""
    verdicts = [c for c in comments if c.parent_id is None and c.verdict]
    if any(c.verdict in ("disagree", "suggest") and not c.resolved for c in verdicts):
        return DISPUTED
    if any(c.verdict == "agree" for c in verdicts):
        return VERIFIED
    if verdicts:
        return ADDRESSED
    return UNVERIFIED


@dataclass
class Thread:
    """The comments on one section or outcome: this version's, and those made on earlier versions."""

    target: str
    target_id: str
    current: list[Comment] = field(default_factory=list)
    earlier: list[Comment] = field(default_factory=list)

    @property
    def status(self) -> str:
        return verification_status(self.current)

    @property
    def earlier_status(self) -> str:
        return verification_status(self.earlier)


def threads(report: ReportVersion) -> dict[tuple[str, str], Thread]:
    """Every target's thread for a report version; comments stay on the version they were made on and
    show here as "on an earlier version" when they belong to an earlier report of the same programme."""
    found: dict[tuple[str, str], Thread] = {}
    earlier_ids = list(report.earlier().values_list("pk", flat=True))
    rows = (Comment.objects.filter(report_id__in=[report.pk, *earlier_ids], parent__isnull=True)
            .select_related("report", "model_version").prefetch_related("answers").order_by("created_at", "pk"))
    for c in rows:
        thread = found.setdefault((c.target, c.target_id), Thread(c.target, c.target_id))
        (thread.current if c.report_id == report.pk else thread.earlier).append(c)
    return found


def thread(report: ReportVersion, target: str, target_id: str) -> Thread:
    return threads(report).get((target, target_id)) or Thread(target, target_id)

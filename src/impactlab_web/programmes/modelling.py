"""Impact-model work for the views: every check and figure is a call into the core (`impactlab.model`,
`impactlab.valuation`); this module only shapes results for storage and display."""

from __future__ import annotations

import difflib
import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from impactlab.errors import UserError
from impactlab.evidence.rows import EvidenceScope
from impactlab.model import CheckReport, ImpactModel, check_text
from impactlab.valuation import value
from impactlab_web.core.evidence import scope_for
from impactlab_web.programmes.models import ImpactModelVersion, Programme

SOURCE = "model.yaml"


def check(text: str) -> CheckReport:
    """The core's check of a model text, with the same messages as `impactlab check`, in the user's language."""
    return check_text(text, SOURCE, translation.get_language())


# ------------------------------------------------------------------------------- checks of large models
CHECK_JOB = "model.check"
CHECK_REUSE = timedelta(minutes=10)  # a finished check of the same text is shown again for this long


def checked_in_background(text: str) -> bool:
    """Is `text` large enough that its check (parse, validate, value) runs as a job, not in the request?
    Texts over the model limit are not: their refusal is immediate."""
    from impactlab import limits

    size = len(text.encode("utf-8", "replace"))
    return int(getattr(settings, "IMPACTLAB_INLINE_MODEL_BYTES", 150 * 1024)) < size <= limits.current().model_bytes


def background_check(text: str, user: Any, programme: Programme) -> Any:
    """The job checking `text` for `user` (the core's check and the key figures with the evidence the user may
    use): a running or recent one of the same text and language is reused, else one is queued."""
    from impactlab_web.jobs.models import Job
    from impactlab_web.jobs.runner import enqueue

    language = translation.get_language() or settings.LANGUAGE_CODE
    key = hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()
    recent = (Job.objects.filter(kind=CHECK_JOB, programme=programme, created_by=user, params__key=key,
                                 created__gte=timezone.now() - CHECK_REUSE)
              .exclude(status__in=(Job.Status.FAILED, Job.Status.CANCELLED)).order_by("-created").first())
    if recent is not None:
        return recent
    job = enqueue(CHECK_JOB, {"key": key, "text": text, "programme": programme.pk, "user": user.pk}, user, programme)
    job.refresh_from_db()  # in eager mode it has run
    return job


def check_result(text: str, scope: EvidenceScope | None) -> dict[str, Any]:
    """The check of `text` as the editor shows it, JSON-safe (a background check's result)."""
    report = check(text)
    figures = key_figures(report.model, scope) if report.model is not None else None
    return {"errors": report.errors, "warnings": report.warnings, "figures": figures}


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and math.isfinite(x) else None


def key_figures(model: ImpactModel, scope: EvidenceScope | None = None) -> dict[str, Any]:
    """The headline figures of a valuation, JSON-safe: ratios, present values and net per stakeholder.

    Evidence quantities are computed from ``scope`` (``impactlab_web.core.evidence.scope_for``: the programme's
    workspace and the snapshots the user may use), as the dashboard does."""
    try:
        result = value(model, scope)
    except UserError as error:
        return {"error": error.messages}
    return {
        "currency": result.currency,
        "sroi_ratio": _number(result.sroi_ratio),
        "net_sroi_ratio": _number(result.net_sroi_ratio),
        "investment": _number(result.investment),
        "present_value": _number(result.present_value),
        "net_present_value": _number(result.net_present_value),
        "society_npv": _number(result.society.npv),
        "society_bc_ratio": _number(result.society.bc_ratio),
        "stakeholders": [
            {"id": s.id, "name": s.name, "invested": _number(s.invested), "benefits": _number(s.benefits),
             "net": _number(s.net)}
            for s in result.stakeholders
        ],
    }


class InvalidModel(Exception):
    """The text did not pass the core's check; `.report` holds the messages."""

    def __init__(self, report: CheckReport):
        self.report = report
        super().__init__("\n".join(report.errors))


class StaleVersion(Exception):
    """Someone saved a newer version than the one this save started from; `.latest` is that version."""

    def __init__(self, latest: ImpactModelVersion, base: int | None):
        self.latest, self.base = latest, base
        super().__init__(f"version {latest.number} was saved after version {base}")


@transaction.atomic
def save_version(
    programme: Programme, text: str, author: AbstractBaseUser | None, message: str = "", *,
    base: int | object | None = ...,
) -> ImpactModelVersion:
    """Store `text` as the programme's next model version; raises InvalidModel when the core rejects it.

    `base` names the version the edit started from (None: a programme without versions); when a newer
    version was saved meanwhile, StaleVersion is raised and nothing is saved (never a silent overwrite).
    Leave it out only where no person edits (imports of a whole file, demo data)."""
    report = check(text)
    if report.model is None:
        raise InvalidModel(report)
    Programme.objects.select_for_update().filter(pk=programme.pk).first()  # serialise version numbers
    last = programme.versions.order_by("-number").values_list("number", flat=True).first() or 0
    if base is not ... and (base or 0) != last:
        raise StaleVersion(programme.versions.get(number=last), base)  # type: ignore[arg-type]
    return ImpactModelVersion.objects.create(
        programme=programme,
        number=last + 1,
        text=text,
        document=report.model.model_dump(mode="json"),
        figures=key_figures(report.model, scope_for(author, programme)),
        message=message[:300],
        author=author,
    )


@transaction.atomic
def publish(version: ImpactModelVersion, user: AbstractBaseUser | None, request: Any = None) -> ImpactModelVersion:
    """Publish `version`: from now on its figures are what everyone in the programme sees (``evidence.version_for``).

    Only those the policy allows (``permissions.Action.MODEL_PUBLISH``) may; `user` None is the installation
    itself (demo data, commands). Audited (``audit.Action.MODEL_PUBLISH``). Publishing an earlier version again
    makes it the published one (going back); the version published now needs nothing."""
    from django.core.exceptions import PermissionDenied

    from impactlab_web.core import audit, permissions

    if user is not None and not permissions.can(user, permissions.Action.MODEL_PUBLISH, version.programme):
        raise PermissionDenied(permissions.Action.MODEL_PUBLISH)
    Programme.objects.select_for_update().filter(pk=version.programme_id).first()  # one publication at a time
    if version.programme.published_version() == version:
        return version
    version.published_at = timezone.now()
    version.published_by = user
    version.save(update_fields=["published_at", "published_by"])
    audit.record(request, audit.Action.MODEL_PUBLISH, version, user=user,
                 detail={"version": version.number, "sroi_ratio": version.figures.get("sroi_ratio")})
    return version


@dataclass
class FigureChange:
    label: str
    old: float | None
    new: float | None
    is_ratio: bool = False

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass
class Comparison:
    """Two versions side by side: a unified diff of the YAML and the key figures of both."""

    old: ImpactModelVersion
    new: ImpactModelVersion
    diff: list[str]
    figures: list[FigureChange]
    stakeholders: list[FigureChange]


FIGURE_LABELS = {
    "sroi_ratio": _("SROI ratio"),
    "net_sroi_ratio": _("Net SROI ratio"),
    "investment": _("Investment (present value)"),
    "present_value": _("Total present value"),
    "net_present_value": _("Net present value"),
    "society_npv": _("Society NPV (MKBA)"),
}


def compare(old: ImpactModelVersion, new: ImpactModelVersion) -> Comparison:
    """A readable comparison of two stored versions."""
    diff = list(difflib.unified_diff(old.text.splitlines(), new.text.splitlines(),
                                     f"version {old.number}", f"version {new.number}", lineterm="", n=2))
    figures = [FigureChange(str(label), old.figures.get(key), new.figures.get(key), key.endswith("ratio"))
               for key, label in FIGURE_LABELS.items()]
    before = {s["id"]: s for s in old.figures.get("stakeholders", [])}
    after = {s["id"]: s for s in new.figures.get("stakeholders", [])}
    names = {**{k: v["name"] for k, v in before.items()}, **{k: v["name"] for k, v in after.items()}}
    stakeholders = [FigureChange(names[k], before.get(k, {}).get("net"), after.get(k, {}).get("net")) for k in names]
    return Comparison(old, new, diff, figures, stakeholders)

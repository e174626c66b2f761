"""The JSON API, version 1: django-ninja operations over the web app's own rules.

Every operation names the token scope it needs and the permission action it checks (``guarded``), and asks
the same functions the pages ask: ``permissions.programme_for`` (404 for a programme in which the person has
no role, 403 for an action their roles do not allow), ``permissions.usable_datasets``, ``evidence.version_for``
/ ``versions_for`` (which model versions a person sees: drafts only for those who may edit the model) and the
programme's disclosure rule (``dashboards.figures.policy`` = ``evidence.policy_for``). Nothing here decides
a right of its own.

Errors are JSON ``{"error": code, "message": text}``, the message in the person's language (their profile;
before a token is known, the request's Accept-Language). Unexpected failures are logged and answered as JSON
too, never with an HTML error page.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from impactlab.errors import UserError
from impactlab_web.api import tokens
from impactlab_web.api.models import AccessToken, Scope
from impactlab_web.core import audit, evidence, permissions, ratelimits
from impactlab_web.core.permissions import Action
from impactlab_web.organisations.models import Profile
from impactlab_web.programmes.models import ImpactModelVersion, Programme

log = logging.getLogger(__name__)
RATE_BUCKET = "api"  # ratelimits.RATES["api"]: requests per person per window


class ApiError(Exception):
    """An answer other than 200 with a code and a message already in the person's language."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ilp_…``: a personal access token (``tokens.find``). Sets ``request.user`` to its
    owner, speaks their language, and counts the request in the ``api`` rate-limit bucket."""

    def authenticate(self, request: HttpRequest, token: str) -> AccessToken | None:
        found = tokens.find(token.strip())
        if found is None:
            return None
        request.user = found.user
        language = Profile.objects.filter(user=found.user).values_list("language", flat=True).first()
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        usage = ratelimits.hit(RATE_BUCKET, f"user:{found.user_id}")
        if not usage.allowed:
            raise ApiError(429, "rate_limited",
                           _("Too many requests: try again in %(seconds)d seconds.") % {"seconds": usage.retry_after},
                           {"Retry-After": str(usage.retry_after)})
        return found


api = NinjaAPI(
    title="impactlab API", version="1", urls_namespace="api", auth=TokenAuth(), docs_url=None,
    description="Programmes, model versions, valuation results, dataset metadata, disclosure-controlled "
                "aggregates and questionnaire responses, with the permissions of the web app. "
                "Authenticate with a personal access token: `Authorization: Bearer ilp_…`.",
)

# url name -> the permission action its operation checks (read by the authorisation matrix test, and stamped
# on the URL pattern's view as ``permission`` by urls.py); the schema and the root need no token
PERMISSIONS: dict[str, str] = {"openapi-json": "public", "api-root": "public"}


def guarded(action: str, scope: Scope) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare what an operation checks: the token's ``scope`` here, the ``action`` in the operation body."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        PERMISSIONS[function.__name__] = action
        function.scope = scope  # type: ignore[attr-defined]
        return function

    return decorate


def _json(request: HttpRequest, status: int, code: str, message: str,
          headers: dict[str, str] | None = None) -> HttpResponse:
    response = api.create_response(request, {"error": code, "message": message}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _json(request, exc.status, exc.code, exc.message, exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _json(request, 401, "unauthenticated",
                 _("No valid access token: send 'Authorization: Bearer <token>' with a token that is not expired "
                   "or revoked (make one on your account page)."), {"WWW-Authenticate": "Bearer"})


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(request, 404, "not_found", _("Not found, or not yours to see."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _json(request, 403, "forbidden", _("Your roles in this programme do not allow this."))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = ", ".join(".".join(str(p) for p in e.get("loc", [])[1:]) or "?" for e in exc.errors)
    return _json(request, 422, "invalid", _("These parameters are not valid: %(fields)s.") % {"fields": fields})


@api.exception_handler(UserError)
def _user_error(request: HttpRequest, exc: UserError) -> HttpResponse:
    return _json(request, 422, "refused", "; ".join(str(m) for m in exc.messages))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _json(request, exc.status_code, "error", str(exc))


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API %s %s failed", request.method, request.path)
    return _json(request, 500, "internal", _("Something went wrong on our side; it has been logged."))


# ------------------------------------------------------------------------------------------------ helpers
def _scope(request: HttpRequest, scope: Scope) -> None:
    token: AccessToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes:
        raise ApiError(403, "scope", _("This token may not be used for this: it needs the scope '%(scope)s'.")
                       % {"scope": scope.value})


def _programme(request: HttpRequest, programme: int, action: str, scope: Scope) -> Programme:
    """The programme if the token's scope and the person's roles allow ``action`` there (404 / 403 as pages)."""
    _scope(request, scope)
    return permissions.programme_for(request, programme, action)


def _lang() -> str:
    return "nl" if (translation.get_language() or "en").startswith("nl") else "en"


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: None instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------------ schemas
class ProgrammeOut(Schema):
    id: int
    name: str
    description: str
    lead: str
    archived: bool
    published_version: int | None
    url: str


class VersionOut(Schema):
    number: int
    message: str
    created_at: datetime
    published_at: datetime | None
    draft: bool


class VersionDetail(VersionOut):
    programme: int
    yaml: str
    document: dict[str, Any]


class DatasetOut(Schema):
    id: int
    name: str
    owner: str
    snapshot_id: str
    rows: int
    created_at: datetime


class ColumnOut(Schema):
    name: str
    type: str
    role: str
    label: str | None = None
    value_labels: dict[str, str] = {}
    missing_codes: list[Any] = []


class DatasetDetail(DatasetOut):
    columns: list[ColumnOut]
    mapping_kind: str | None
    instrument: str | None
    key_version: str | None


class QuestionnaireOut(Schema):
    id: int
    title: str
    waves: list[str]
    responses: int


class ErrorOut(Schema):
    error: str
    message: str


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _programme_out(programme: Programme, user: Any) -> dict[str, Any]:
    published = programme.published_version()
    return {"id": programme.pk, "name": programme.name, "description": programme.description,
            "lead": programme.lead.name, "archived": programme.archived_at is not None,
            "published_version": published.number if published else None,
            "url": f"/api/v1/programmes/{programme.pk}"}


def _version_out(version: ImpactModelVersion) -> dict[str, Any]:
    return {"number": version.number, "message": version.message, "created_at": version.created_at,
            "published_at": version.published_at, "draft": version.is_draft}


def _version_detail(version: ImpactModelVersion) -> dict[str, Any]:
    return _version_out(version) | {"programme": version.programme_id, "yaml": version.text,
                                    "document": version.document}


def _seen_version(request: HttpRequest, programme: Programme, number: int | None) -> ImpactModelVersion:
    """The version ``number`` if this person may open it, else the one whose figures they see; 404 otherwise."""
    if number is None:
        version = evidence.version_for(request.user, programme)
    else:
        version = evidence.versions_for(request.user, programme).filter(number=number).first()
    if version is None:
        raise ApiError(404, "no_version", _("There is no model version here that you may see (none published yet?)."))
    return version


# ------------------------------------------------------------------------------ programmes and model versions
@api.get("/programmes", response={200: list[ProgrammeOut], **ERRORS}, url_name="programmes", tags=["programmes"])
@guarded("any_user", Scope.PROGRAMMES)
def programmes(request: HttpRequest) -> list[dict[str, Any]]:
    """The programmes in which you have a role."""
    _scope(request, Scope.PROGRAMMES)
    found = permissions.visible_programmes(request.user).select_related("lead").order_by("name", "pk")
    return [_programme_out(p, request.user) for p in found]


@api.get("/programmes/{int:programme}", response={200: ProgrammeOut, **ERRORS}, url_name="programme",
         tags=["programmes"])
@guarded(Action.PROGRAMME_VIEW, Scope.PROGRAMMES)
def programme(request: HttpRequest, programme: int) -> dict[str, Any]:
    """One programme."""
    return _programme_out(_programme(request, programme, Action.PROGRAMME_VIEW, Scope.PROGRAMMES), request.user)


@api.get("/programmes/{int:programme}/versions", response={200: list[VersionOut], **ERRORS}, url_name="versions",
         tags=["models"])
@guarded(Action.MODEL_VIEW, Scope.PROGRAMMES)
def versions(request: HttpRequest, programme: int) -> list[dict[str, Any]]:
    """The model versions you may open: all of them for those who may edit the model, else the published ones."""
    found = _programme(request, programme, Action.MODEL_VIEW, Scope.PROGRAMMES)
    return [_version_out(v) for v in evidence.versions_for(request.user, found).order_by("number")]


@api.get("/programmes/{int:programme}/model", response={200: VersionDetail, **ERRORS}, url_name="model",
         tags=["models"])
@guarded(Action.MODEL_VIEW, Scope.PROGRAMMES)
def model(request: HttpRequest, programme: int) -> dict[str, Any]:
    """The model version whose figures you see (the published one; editors: the latest, draft or not), with
    its YAML text and its validated document."""
    found = _programme(request, programme, Action.MODEL_VIEW, Scope.PROGRAMMES)
    return _version_detail(_seen_version(request, found, None))


@api.get("/programmes/{int:programme}/versions/{int:number}", response={200: VersionDetail, **ERRORS},
         url_name="version", tags=["models"])
@guarded(Action.MODEL_VIEW, Scope.PROGRAMMES)
def version(request: HttpRequest, programme: int, number: int) -> dict[str, Any]:
    """One model version, with its YAML text."""
    found = _programme(request, programme, Action.MODEL_VIEW, Scope.PROGRAMMES)
    return _version_detail(_seen_version(request, found, number))


@api.get("/programmes/{int:programme}/versions/{int:number}/model.yaml", url_name="version_yaml", tags=["models"],
         response={200: str, **ERRORS}, openapi_extra={"responses": {200: {"content": {"application/yaml": {}}}}})
@guarded(Action.MODEL_VIEW, Scope.PROGRAMMES)
def version_yaml(request: HttpRequest, programme: int, number: int) -> HttpResponse:
    """One model version as its YAML document (what `impactlab check` and `load_model` read)."""
    found = _programme(request, programme, Action.MODEL_VIEW, Scope.PROGRAMMES)
    chosen = _seen_version(request, found, number)
    return HttpResponse(chosen.text, content_type="application/yaml; charset=utf-8")


# ------------------------------------------------------------------------------------- figures and evidence
def _figures_ready(request: HttpRequest, version: ImpactModelVersion, records: list[Any]) -> None:
    """Make sure the figures of ``version`` with this person's evidence can be read now, as the dashboard does:
    small ones are computed in the request (counted in ``dashboard.compute``), large ones by a background job
    (202 with the job until it is done)."""
    from impactlab_web.dashboards import figures
    from impactlab_web.jobs.models import Job

    scope, lang = evidence.scope_for(request.user, version.programme), _lang()
    if figures.dashboard_figures(version, scope, lang, records, compute=False):
        return
    job = None
    if not figures.computed_inline(version, records):
        key = figures.figures_job_key(version, scope, lang)
        job = figures.figures_job(version, request.user, key)
        if job is not None and job.status != Job.Status.DONE:
            raise ApiError(202, "computing", _("The figures are being computed; ask again in a minute."))
    usage = ratelimits.hit("dashboard.compute", f"user:{request.user.pk}")
    if not usage.allowed:
        raise ApiError(429, "rate_limited",
                       _("Too many requests: try again in %(seconds)d seconds.") % {"seconds": usage.retry_after},
                       {"Retry-After": str(usage.retry_after)})
    if job is not None or not figures.computed_inline(version, records):
        job = figures.queue_figures(version, request.user, figures.figures_job_key(version, scope, lang), lang)
        if job.status != Job.Status.DONE:
            raise ApiError(202, "computing", _("The figures are being computed; ask again in a minute."))


class ValuationOut(Schema):
    programme: int
    version: int
    draft: bool
    valuation: dict[str, Any]
    simulation: dict[str, Any]


@api.get("/programmes/{int:programme}/valuation", response={200: ValuationOut, 202: ErrorOut, **ERRORS},
         url_name="valuation", tags=["figures"])
@guarded(Action.RESULTS_VIEW, Scope.PROGRAMMES)
def valuation(request: HttpRequest, programme: int) -> dict[str, Any]:
    """The valuation (SROI ratio, present values, per stakeholder and per outcome with its waterfall, and the
    evidence trail) of the model version whose figures you see, with the evidence you may use: the dashboard's
    figures. ``valuation.error`` holds the core's messages when the model cannot be valued with that evidence.
    ``simulation`` is the dashboard's Monte Carlo (``summary``: intervals such as ``sroi_ratio.p5`` / ``p95``)
    once its background job is done (``status``: running, done; none when the model cannot be valued)."""
    from impactlab_web.dashboards import figures

    found = _programme(request, programme, Action.RESULTS_VIEW, Scope.PROGRAMMES)
    chosen = _seen_version(request, found, None)
    _figures_ready(request, chosen, list(permissions.usable_datasets(request.user, found)))
    scope = evidence.scope_for(request.user, found)
    result = figures.valuation(chosen, scope)
    simulation: dict[str, Any] = {"status": "none"}
    if not result.get("error"):  # the dashboard's Monte Carlo: queued once per model and evidence, then read
        sim = figures.ensure_simulation(chosen, request.user, scope=scope)
        simulation = {"status": "done" if sim.done else "running", "draws": sim.draws, "seed": sim.seed,
                      "summary": _finite(sim.result.get("summary")) if sim.done else None}
    return {"programme": found.pk, "version": chosen.number, "draft": chosen.is_draft, "valuation": _finite(result),
            "simulation": simulation}


def _dataset_out(record: Any) -> dict[str, Any]:
    return {"id": record.pk, "name": record.name, "owner": record.owner.name, "snapshot_id": record.snapshot_id,
            "rows": record.n, "created_at": record.created_at}


@api.get("/programmes/{int:programme}/datasets", response={200: list[DatasetOut], **ERRORS}, url_name="datasets",
         tags=["data"])
@guarded(Action.DATASETS_LIST, Scope.DATA)
def datasets(request: HttpRequest, programme: int) -> list[dict[str, Any]]:
    """The datasets of the programme you may use: your organisation's, or shared with it under an active
    data-sharing agreement."""
    found = _programme(request, programme, Action.DATASETS_LIST, Scope.DATA)
    usable = permissions.usable_datasets(request.user, found).select_related("owner").order_by("name", "created_at")
    return [_dataset_out(r) for r in usable]


@api.get("/programmes/{int:programme}/datasets/{int:dataset}", response={200: DatasetDetail, **ERRORS},
         url_name="dataset", tags=["data"])
@guarded(Action.DATASETS_LIST, Scope.DATA)
def dataset(request: HttpRequest, programme: int, dataset: int) -> dict[str, Any]:
    """One dataset's metadata: its columns with their types, roles, labels, value labels and missing codes
    (no rows). Viewing it is written to the audit trail, as on its page."""
    found = _programme(request, programme, Action.DATASETS_LIST, Scope.DATA)
    record = permissions.usable_datasets(request.user, found).select_related("owner").filter(pk=dataset).first()
    if record is None:
        raise Http404("no such dataset")
    info = audit.snapshot_info(record)
    audit.record(request, audit.Action.DATASET_VIEW, record, detail={"via": "api"})
    columns = [c.model_dump(include={"name", "type", "role", "label", "value_labels", "missing_codes"})
               for c in info.columns] if info else []
    mapping = info.mapping if info else {}
    return _dataset_out(record) | {"columns": columns, "mapping_kind": mapping.get("kind"),
                                   "instrument": mapping.get("instrument"),
                                   "key_version": info.key_version if info else None}


class AggregatesOut(Schema):
    programme: int
    version: int
    min_cell: int
    change: list[dict[str, Any]]
    balance: list[dict[str, Any]]


def _aggregates(request: HttpRequest, programme: int) -> dict[str, Any]:
    from impactlab_web.dashboards import figures

    found = _programme(request, programme, Action.RESULTS_VIEW, Scope.DATA)
    chosen = _seen_version(request, found, None)
    records = list(permissions.usable_datasets(request.user, found).select_related("owner"))
    _figures_ready(request, chosen, records)
    sets, registrations = figures.evidence_sets(records)
    rule = figures.policy(found, chosen)
    model = figures.model_of(chosen)
    change = [{"dataset": e.name, "owner": e.owner, "instrument": e.instrument, "snapshots": e.snapshot_ids,
               "result": _finite(figures.change(e, model, rule))}
              for e in sorted(sets, key=lambda e: (e.name, e.instrument))]
    balance = [{"dataset": r.name, "snapshot_id": r.snapshot_id,
                "result": _finite(figures.support_balance(r, info, rule))}
               for r, info in sorted(registrations, key=lambda p: (p[0].name, p[0].created_at))]
    return {"programme": found.pk, "version": chosen.number, "min_cell": rule.min_cell, "change": change,
            "balance": balance}


@api.get("/programmes/{int:programme}/aggregates", response={200: AggregatesOut, 202: ErrorOut, **ERRORS},
         url_name="aggregates", tags=["data"])
@guarded(Action.RESULTS_VIEW, Scope.DATA)
def aggregates(request: HttpRequest, programme: int) -> dict[str, Any]:
    """The dashboard's aggregates from the datasets you may use, through the programme's disclosure rule
    (groups smaller than ``min_cell`` are suppressed): change of each instrument's score between waves, and
    the formal/informal support balance of registrations."""
    return _aggregates(request, programme)


def _flat(value: Any) -> bool:
    return not isinstance(value, dict | list | tuple)


def aggregate_rows(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The aggregates as one flat table (a spreadsheet's): per change, its overall row and one row per group,
    and every balance row; only plain values (nested figures stay in the JSON)."""
    rows: list[dict[str, Any]] = []
    for entry in found["change"]:
        result = entry["result"] or {}
        stats = result.get("change") or {}
        base = {"kind": "change", "dataset": entry["dataset"], "instrument": entry["instrument"],
                "by": result.get("by"), "group": None, "min_cell": found["min_cell"]}
        if not stats:
            rows.append(base | {"error": result.get("error")})
            continue
        rows.append(base | {k: v for k, v in stats.items() if _flat(v)})
        rows += [base | {k: v for k, v in group.items() if _flat(v)} for group in stats.get("groups") or []]
    for entry in found["balance"]:
        result = entry["result"] or {}
        rows += [{"kind": "balance", "dataset": entry["dataset"], "min_cell": found["min_cell"],
                  **{k: v for k, v in row.items() if _flat(v)}} for row in result.get("rows", [])]
    return rows


@api.get("/programmes/{int:programme}/aggregates.csv", url_name="aggregates_csv", tags=["data"],
         response={200: str, 202: ErrorOut, **ERRORS},
         openapi_extra={"responses": {200: {"content": {"text/csv": {}}}}})
@guarded(Action.RESULTS_VIEW, Scope.DATA)
def aggregates_csv(request: HttpRequest, programme: int) -> HttpResponse:
    """The same aggregates as one table for Excel and Power BI: CSV, UTF-8 with a byte-order mark, one row per
    change (overall and per group) and per balance row; suppressed cells are empty; formula-safe cells."""
    import csv
    import io

    from impactlab.exports import SafeCsvWriter

    rows = aggregate_rows(_aggregates(request, programme))
    header = list(dict.fromkeys(key for row in rows for key in row)) or ["kind", "dataset", "instrument", "group"]
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, header, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="aggregates-{programme}.csv"'
    return response


# ------------------------------------------------------------------------------------------- questionnaires
@api.get("/programmes/{int:programme}/questionnaires", response={200: list[QuestionnaireOut], **ERRORS},
         url_name="questionnaires", tags=["fieldwork"])
@guarded(Action.QUESTIONNAIRE_VIEW, Scope.RESPONSES)
def questionnaires(request: HttpRequest, programme: int) -> list[dict[str, Any]]:
    """The programme's questionnaires with their waves and how many responses each has."""
    from impactlab_web.fieldwork.models import Questionnaire

    found = _programme(request, programme, Action.QUESTIONNAIRE_VIEW, Scope.RESPONSES)
    return [{"id": q.pk, "title": q.title(_lang()), "waves": [w.name for w in q.waves.order_by("name")],
             "responses": q.responses.count()}
            for q in Questionnaire.objects.filter(programme=found).order_by("pk")]


class ResponsesOut(Schema):
    questionnaire: int
    wave: str | None
    count: int
    columns: list[str]
    rows: list[dict[str, Any]]


@api.get("/programmes/{int:programme}/questionnaires/{int:questionnaire}/responses",
         response={200: ResponsesOut, **ERRORS}, url_name="responses", tags=["fieldwork"])
@guarded(Action.QUESTIONNAIRE_MANAGE, Scope.RESPONSES)
def responses(request: HttpRequest, programme: int, questionnaire: int, wave: str | None = None) -> dict[str, Any]:
    """The questionnaire's responses (one wave with ``?wave=NAME``), as its export has them: the respondent as
    the keyed pseudonym, answers and scores. For the roles that may export responses; written to the audit
    trail (``responses.export``)."""
    from impactlab.evidence.workspace import Workspace
    from impactlab_web.fieldwork import service
    from impactlab_web.fieldwork.models import Questionnaire

    found = _programme(request, programme, Action.QUESTIONNAIRE_MANAGE, Scope.RESPONSES)
    chosen = Questionnaire.objects.filter(programme=found, pk=questionnaire).first()
    if chosen is None:
        raise Http404("no such questionnaire")
    selected = None
    if wave is not None:
        selected = chosen.waves.filter(name=wave).first()
        if selected is None:
            raise Http404("no such wave")
    if not chosen.responses.filter(**({"wave": selected} if selected else {})).exists():
        return {"questionnaire": chosen.pk, "wave": wave, "count": 0, "columns": [], "rows": []}
    from django.conf import settings

    frame, _items, count = service.responses_frame(chosen, selected, Workspace(settings.WORKSPACE_DIR))
    audit.record(request, audit.Action.RESPONSES_EXPORT, selected or chosen, detail={"via": "api", "rows": count})
    return {"questionnaire": chosen.pk, "wave": wave, "count": count, "columns": frame.columns,
            "rows": _finite(frame.to_dicts())}

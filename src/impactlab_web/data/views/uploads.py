"""Uploads on their way to a snapshot (file, column mapping, import) and data-sharing agreements."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from impactlab.errors import UserError
from impactlab.evidence.instruments import list_instruments
from impactlab_web.core import audit, permissions
from impactlab_web.core.permissions import Action, requires
from impactlab_web.data import answers, uploads
from impactlab_web.data.forms import AgreementForm, MappingForm, UploadForm
from impactlab_web.data.models import DatasetRecord, DataSharingAgreement, Upload
from impactlab_web.jobs import runner
from impactlab_web.jobs.runner import enqueue
from impactlab_web.organisations.models import Organisation


def _lang() -> str:
    return "nl" if (translation.get_language() or "en").startswith("nl") else "en"


# ------------------------------------------------------------------------------------------------ upload
def _owners(request: HttpRequest) -> Any:
    """Organisations of this programme in which the user may own data (administrator, researcher, professional)."""
    programme = request.programme
    ids = [o.pk for o in programme.organisations()]
    return permissions.organisations_where(request.user, Action.DATA_OWN).filter(pk__in=ids)


@requires("data.upload")
def upload_new(request: HttpRequest, programme: int) -> HttpResponse:
    """Upload a file: size and type (by content) are checked, then the preview and mapping page opens."""
    owners = _owners(request)
    form = UploadForm(request.POST or None, request.FILES or None, owners=owners)
    status = 200
    if not owners.exists():
        form = None
    elif request.method == "POST":
        if form.is_valid():
            uploads.discard_stale()
            key, path = uuid.uuid4(), None
            try:
                path, fmt = uploads.save(form.cleaned_data["file"], str(key))
            except uploads.BadFile as error:
                uploads.discard(path)
                original = form.cleaned_data["file"].name or ""
                form.add_error("file", str(error).replace(path.name, original) if path else str(error))
            else:  # the file is read in a job (never in the request); its page follows the job
                with transaction.atomic():
                    upload = Upload.objects.create(
                        id=key, programme=request.programme, owner=form.cleaned_data["owner"],
                        uploaded_by=request.user, filename=form.cleaned_data["file"].name[:200], format=fmt,
                        size=path.stat().st_size, path=str(path), state=Upload.State.READING)
                    upload.job = enqueue("dataset.preview", {"upload": str(upload.pk)}, request.user,
                                         request.programme)
                    upload.save(update_fields=["job"])
                    audit.record(request, audit.Action.DATA_UPLOAD, upload,
                                 detail={"format": fmt, "bytes": upload.size})
                return redirect("data:upload", programme=programme, upload=upload.pk)
        status = 422
    return render(request, "data/upload_new.html", {"programme": request.programme, "form": form},
                  status=status)


def _my_upload(request: HttpRequest, upload: uuid.UUID) -> Upload:
    """The upload, if this user made it in this programme (others' raw files are never shown)."""
    return get_object_or_404(Upload.objects.select_related("owner", "job", "record"), pk=upload,
                             programme=request.programme, uploaded_by=request.user)


def _instruments() -> list[tuple[str, str]]:
    lang = _lang()
    return [(i.id, f"{i.id} · {getattr(i.name, lang) or i.name.en}") for i in list_instruments()]


@requires("data.upload")
def upload_detail(request: HttpRequest, programme: int, upload: uuid.UUID) -> HttpResponse:
    """Preview and column mapping; after it, the import's progress and its validation report."""
    found = _my_upload(request, upload)
    context: dict[str, Any] = {"programme": request.programme, "upload": found}
    if found.state != Upload.State.MAPPING:
        _audit_report(request, found)
        return render(request, "data/upload_report.html", context)
    preview = found.preview if found.path and found.preview.get("columns") else None  # read by the job
    if preview is None:
        context.setdefault("file_error", _("The uploaded file is no longer there: upload it again."))
        status = 422 if request.method == "POST" else 200
        return render(request, "data/upload_mapping.html", context, status=status)
    instrument_guess = uploads.guess_instrument(preview["columns"])
    guessed = uploads.guess_roles(preview["columns"], instrument_guess, preview.get("identifiers", {}))
    # the dataset's name is the user's to choose: never the file's own name, which may name a client and would
    # reach everyone in the programme and the snapshot's metadata
    initial = {"instrument": instrument_guess or "", "on_error": "reject"}
    initial |= {f"role_{k}": role for k, role in
                enumerate(guessed.values())}
    if request.method != "POST":
        step = answers.build(preview, guessed, instrument_guess,
                             _lang())
        if step is not None:
            initial |= {"answer_format": step.chosen, "answers_seen": step.signature}
    form = MappingForm(request.POST or None, columns=preview["columns"], instruments=_instruments(), initial=initial)
    status = 200
    if request.method == "POST":
        step = _answers_step(form, preview)
        status = 422
        checking = request.POST.get("action") == "check"
        if checking:
            status = 200
            form.is_valid()  # the fields' messages, without importing
        elif not form.is_valid():
            pass  # the fields' messages, with the answers step as it stands
        elif step is not None and (step.errors or request.POST.get("answers_seen") != step.signature):
            # never a score in a format the user has not seen: changed choices are shown before the import
            context["answers_errors"] = step.errors or (
                [_("Check the answers before importing:"), *step.problems] if step.problems else
                [_("The answers are shown below with the choices you made: check them and import again.")])
        else:
            data = form.cleaned_data
            try:
                mapping = uploads.build_mapping(form.roles(), wave_value=data["wave_value"].strip(),
                                                instrument=data["instrument"] or None,
                                                missing_codes=data["missing_codes"],
                                                answers=step.mapping(list(_item_map(form, step))) if step else None)
            except UserError as error:
                context["mapping_errors"] = error.messages
            else:
                with transaction.atomic():
                    found.mapping, found.dataset, found.on_error = mapping, data["dataset"], data["on_error"]
                    found.state = Upload.State.IMPORTING
                    found.job = enqueue("dataset.import", {"upload": str(found.pk)}, request.user, request.programme)
                    found.save(update_fields=["mapping", "dataset", "on_error", "state", "job"])
                    audit.record(request, audit.Action.DATA_IMPORT, found, detail={"job": str(found.job.pk)})
                return redirect("data:upload", programme=programme, upload=found.pk)
    if step is not None and form.is_bound:
        form.data = form.data.copy()
        form.data["answers_seen"], form.data["answer_format"] = step.signature, step.chosen  # what is shown now
    context |= {"preview": preview, "form": form, "answers": step}
    audit.record(request, audit.Action.DATA_PREVIEW, found)  # never the file's own name: it may name a client
    return render(request, "data/upload_mapping.html", context, status=status)


def _audit_report(request: HttpRequest, found: Upload) -> None:
    """A validation report lists rows and their values: who read one goes in the trail."""
    if found.report.get("issues"):
        audit.record(request, audit.Action.DATA_REPORT, found, detail={"issues": len(found.report["issues"])})


def _answers_step(form: MappingForm, preview: dict[str, Any]) -> answers.AnswersStep | None:
    """The answers step for the roles, instrument, format and recode as posted (valid or not yet)."""
    data = form.data
    roles = {column: data.get(f"role_{k}", "skip") for k, column in enumerate(form.columns)}
    missing = [c.strip() for c in data.get("missing_codes", "").split(",") if c.strip()]
    return answers.build(preview, roles, data.get("instrument") or None, _lang(),
                         answer_format=data.get("answer_format") or None, recode=answers.posted_recode(data),
                         missing=missing)


def _item_map(form: MappingForm, step: answers.AnswersStep) -> dict[str, str]:
    """Item code -> column, as the mapping will have it."""
    items = [c for c, r in form.roles().items() if r == "item"]
    return uploads._item_codes(items, [i.code for i in step.instrument.items])


@never_cache
@requires("data.upload")
def upload_status(request: HttpRequest, programme: int, upload: uuid.UUID) -> HttpResponse:
    """The import's progress (polled with HTMX while it runs), then its validation report."""
    found = _my_upload(request, upload)
    if found.job is not None and runner.recover(found.job):  # its worker died: retried or failed, visibly
        found = _my_upload(request, upload)
    if found.state == Upload.State.MAPPING and request.htmx:  # read: on to the mapping page
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("data:upload", kwargs={"programme": programme, "upload": found.pk})
        return response
    if found.state not in (Upload.State.READING, Upload.State.MAPPING, Upload.State.IMPORTING):
        _audit_report(request, found)  # the finished import's report, shown in place of the progress
    return render(request, "data/_upload_status.html", {"programme": request.programme, "upload": found})


@requires("data.upload")
def upload_discard(request: HttpRequest, programme: int, upload: uuid.UUID) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    found = _my_upload(request, upload)
    busy = (Upload.State.READING, Upload.State.MAPPING, Upload.State.IMPORTING)
    if Upload.objects.filter(pk=found.pk, state__in=busy).update(state=Upload.State.DISCARDED, path=""):
        if found.job is not None and found.job.active:
            runner.cancel(found.job)  # a running job stops at its next step and keeps nothing
        uploads.discard(found.path)
        messages.info(request, _("The uploaded file was deleted."))
    return redirect("data:list", programme=programme)


# ------------------------------------------------------------------------------------------- agreements
def _managed_dataset(request: HttpRequest, dataset: int) -> DatasetRecord:
    """A dataset of this programme owned by an organisation the user administers; 404 otherwise."""
    admin_of = permissions.organisations_where(request.user, Action.DATA_SHARE)
    return get_object_or_404(DatasetRecord.objects.select_related("owner"), pk=dataset,
                             programme=request.programme, owner__in=admin_of)


@requires("agreements.manage")
def agreement_new(request: HttpRequest, programme: int, dataset: int) -> HttpResponse:
    """Share a dataset with a partner organisation of the programme, for a purpose, until a date."""
    record = _managed_dataset(request, dataset)
    partners = Organisation.objects.filter(pk__in=[o.pk for o in request.programme.organisations()]).exclude(
        pk=record.owner_id)
    form = AgreementForm(request.POST or None, partners=partners)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with transaction.atomic():
                agreement = DataSharingAgreement.make(record, user=request.user, **form.cleaned_data)
                if agreement is not None:
                    audit.record(request, audit.Action.DATASET_SHARE, record, detail={
                        "agreement": agreement.pk, "partner": agreement.partner.name, "until": agreement.valid_until})
            if agreement is not None:
                messages.success(request, _("The dataset is shared with %(partner)s.") % {"partner": agreement.partner})
                return redirect("data:detail", programme=programme, dataset=record.pk)
            form.add_error("partner", _("This dataset is already shared with %(partner)s: withdraw that agreement "
                                        "first to make a new one.") % {"partner": form.cleaned_data["partner"]})
        status = 422
    return render(request, "data/agreement_form.html",
                  {"programme": request.programme, "dataset": record, "form": form}, status=status)


@requires("agreements.manage")
def agreement_withdraw(request: HttpRequest, programme: int, agreement: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    admin_of = permissions.organisations_where(request.user, Action.DATA_SHARE)
    found = get_object_or_404(DataSharingAgreement.objects.select_related("dataset", "partner"), pk=agreement,
                              dataset__programme=request.programme, dataset__owner__in=admin_of)
    if found.withdrawn_at is None:
        with transaction.atomic():
            found.withdrawn_at = timezone.now()
            found.save(update_fields=["withdrawn_at"])
            audit.record(request, audit.Action.DATASET_WITHDRAW, found.dataset,
                         detail={"agreement": found.pk, "partner": found.partner.name})
        messages.success(request, _("The agreement with %(partner)s is withdrawn.") % {"partner": found.partner})
    return redirect("data:detail", programme=programme, dataset=found.dataset_id)



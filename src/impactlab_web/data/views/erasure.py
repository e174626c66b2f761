"""Removing data: delete a snapshot or a whole dataset (what used it named first, the name typed to confirm),
and the right to erasure (one respondent out of every snapshot the organisation owns). The work is done by
``impactlab_web.data.datalife``; who may do it is the policy's (``DATASET_DELETE``, ``RESPONDENT_ERASE``)."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab_web.core import permissions
from impactlab_web.core.permissions import Action, requires
from impactlab_web.data import datalife
from impactlab_web.data.models import DatasetRecord
from impactlab_web.programmes.forms import DeleteConfirmForm, ErasureConfirmForm, ErasureFindForm
from impactlab_web.review.models import Tombstone

ERASURE_SALT = "impactlab.erasure"
ERASURE_MAX_AGE = 15 * 60  # seconds a found respondent may be erased without searching again


def _deletable(request: HttpRequest, dataset: int) -> DatasetRecord:
    """The record, if the user may see it (else 404) and delete it (else 403)."""
    record = get_object_or_404(permissions.usable_datasets(request.user, request.programme)
                               .select_related("owner", "programme"), pk=dataset)
    if not permissions.can(request.user, Action.DATASET_DELETE, record):
        raise PermissionDenied(Action.DATASET_DELETE)
    return record


def _delete(request: HttpRequest, record: DatasetRecord, whole: bool) -> HttpResponse:
    records = datalife.dataset_of(record) if whole else [record]
    form = DeleteConfirmForm(request.POST or None, name=record.name)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                removal = datalife.delete(records, request.user,
                                          Tombstone.Kind.DATASET if whole else Tombstone.Kind.SNAPSHOT)
            except UserError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("data:list", programme=record.programme_id)
            messages.success(request, _("Deleted %(name)s: %(count)d snapshot(s), %(rows)d rows.") % {
                "name": removal.dataset, "count": len(removal.snapshots), "rows": removal.rows})
            return redirect("data:list", programme=record.programme_id)
        status = 422
    return render(request, "data/dataset_delete.html", {
        "programme": request.programme, "dataset": record, "records": records, "whole": whole,
        "usages": datalife.usages(records), "form": form}, status=status)


@requires(Action.DATASET_DELETE)
def delete_snapshot(request: HttpRequest, programme: int, dataset: int) -> HttpResponse:
    """GET: what used this snapshot, and the confirmation; POST: delete it (the dataset's name typed)."""
    return _delete(request, _deletable(request, dataset), whole=False)


@requires(Action.DATASET_DELETE)
def delete_dataset(request: HttpRequest, programme: int, dataset: int) -> HttpResponse:
    """GET: what used any snapshot of this dataset, and the confirmation; POST: delete every snapshot."""
    return _delete(request, _deletable(request, dataset), whole=True)


def _signed(request: HttpRequest, code: str) -> str:
    return signing.dumps({"p": code, "programme": request.programme.pk, "user": request.user.pk}, salt=ERASURE_SALT)


def _unsigned(request: HttpRequest, token: str) -> str | None:
    try:
        data = signing.loads(token, salt=ERASURE_SALT, max_age=ERASURE_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("programme") != request.programme.pk or data.get("user") != request.user.pk:
        return None
    return data.get("p")


@requires(Action.RESPONDENT_ERASE)
def erasure(request: HttpRequest, programme: int) -> HttpResponse:
    """The right to erasure: the respondent's source id → how many rows in which snapshots → confirm → receipt.

    The id is pseudonymised at once and never stored nor shown again; between the steps the page carries the
    pseudonym, signed for this user and programme for 15 minutes."""
    current = request.programme
    context = {"programme": current, "find": ErasureFindForm()}
    if request.method != "POST":
        return render(request, "data/erasure.html", context)
    if "token" in request.POST:
        confirm = ErasureConfirmForm(request.POST)
        code = _unsigned(request, request.POST.get("token", ""))
        if code is None:
            messages.error(request, _("This search has expired: enter the id again."))
            return render(request, "data/erasure.html", context, status=422)
        if not confirm.is_valid():
            search = datalife.search(request.user, current, code)
            return render(request, "data/erasure.html", context | {"search": search, "confirm": confirm},
                          status=422)
        try:
            receipt = datalife.erase_respondent(request.user, current, code)
        except UserError as error:
            messages.error(request, " ".join(error.messages))
            return render(request, "data/erasure.html", context, status=422)
        return render(request, "data/erasure_receipt.html", {"programme": current, "receipt": receipt})
    find = ErasureFindForm(request.POST)
    if not find.is_valid():
        return render(request, "data/erasure.html", context | {"find": find}, status=422)
    try:
        search = datalife.find_respondent(request.user, current, find.cleaned_data["identifier"])
    except UserError as error:
        find.add_error("identifier", " ".join(error.messages))
        return render(request, "data/erasure.html", context | {"find": find}, status=422)
    confirm = ErasureConfirmForm(initial={"token": _signed(request, search.pseudonym)})
    return render(request, "data/erasure.html",
                  context | {"find": ErasureFindForm(), "search": search, "confirm": confirm})

"""The ``qualitative.extract`` job: read an uploaded transcript or story (text, Word, PDF) in the background,
keep only its scrubbed text as a Document, and delete the uploaded file whatever happens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from impactlab.errors import UserError
from impactlab_web.jobs.lifecycle import cleanup_for, rights
from impactlab_web.jobs.registry import Progress, register

KIND = "qualitative.extract"


@register(KIND)
def extract_document(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """params: programme, path (the private raw copy), suffix, label, group, user. Messages name the document by
    its label (the uploaded file's own name may name a client and is never stored)."""
    from django.contrib.auth import get_user_model

    from impactlab.qualitative.documents import extract_text
    from impactlab_web.data import uploads
    from impactlab_web.qualitative.models import Document

    raw = Path(params["path"])
    progress(0.1, "reading")
    try:
        extracted = extract_text(raw, filename=f"{params['label']}{params['suffix']}")
    finally:
        uploads.discard(raw)
    progress(0.9, "storing")
    programme = params["programme"]
    same = Document.objects.filter(programme_id=programme, sha256=extracted.sha256).first()
    if same:
        raise UserError(_("This file has been uploaded before, as %(label)s.") % {"label": same})
    try:
        with transaction.atomic():
            document = Document.objects.create(
                programme_id=programme, label=params["label"], group=params["group"], kind=extracted.kind,
                sha256=extracted.sha256, text=extracted.text,
                uploaded_by=get_user_model().objects.filter(pk=params.get("user")).first())
    except IntegrityError:
        raise UserError(_("Another document already has this label.")) from None
    return {"document": document.pk, "label": document.label, "characters": len(document.text),
            "link": reverse("qualitative:document", kwargs={"programme": programme, "qdoc": document.pk}),
            "link_text": _("%(label)s uploaded: %(n)s characters of text.")
            % {"label": document.label, "n": len(document.text)}}


@rights(KIND)
def _may_code(job: Any, user: Any) -> None:
    from impactlab_web.jobs.lifecycle import require

    require(user, "qualitative.code", job.programme)


@cleanup_for(KIND)
def _delete_raw(job: Any, final: bool) -> None:
    from impactlab_web.data import uploads

    if final:
        uploads.discard(job.params.get("path"))

"""Test objects for the authorisation matrix (tests_web/url_arguments.py): a document, a code and a coding
in a programme, made once per test world."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from impactlab_web.programmes.models import Programme
from impactlab_web.qualitative.models import Code, Coding, Document

TEXT = "Ik voel me minder alleen sinds de buurtcirkel.\nDe dinsdag is mijn vaste dag."


@dataclass
class Sample:
    document: Document
    code: Code
    coding: Coding


def sample(programme: Programme) -> Sample:
    coder, _ = get_user_model().objects.get_or_create(username="sample-coder")
    document, _ = Document.objects.get_or_create(
        programme=programme, label="T-001",
        defaults={"group": "residents", "kind": "text", "sha256": "0" * 64, "text": TEXT})
    code, _ = Code.objects.get_or_create(programme=programme, name="Minder eenzaam")
    coding, _ = Coding.objects.get_or_create(document=document, code=code, coder=coder, start=3, end=24)
    return Sample(document, code, coding)

"""Fieldwork work for the views and jobs; every check and conversion is a call into `impactlab.fieldwork`.

Wave links are signed with a secret derived from Django's SECRET_KEY (domain-separated). A submission is
stored once per (questionnaire, wave, respondent key): the database's unique constraint decides, so a
repeated, doubled or concurrent submit never makes a second row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
import yaml
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from impactlab.errors import UserError
from impactlab.evidence.datasets import ColumnInfo, RowCounts, SnapshotInfo, SourceInfo
from impactlab.evidence.workspace import Workspace
from impactlab.fieldwork.answers import AnswerError
from impactlab.fieldwork.questionnaire import (
    InstrumentBlock,
    Question,
    clean_answers,
    localise,
    responses_to_frame,
    score_responses,
)
from impactlab.fieldwork.questionnaire import (
    Questionnaire as CoreQuestionnaire,
)
from impactlab.fieldwork.registrations import check_registrations, model_inputs, model_outputs
from impactlab.fieldwork.tokens import WaveLink, make_token, next_wave_token, read_token, verify_token
from impactlab.io.pseudonymise import pseudonym_series
from impactlab_web.core.permissions import POLICY
from impactlab_web.data.models import DatasetRecord
from impactlab_web.fieldwork.models import (
    SLUG_LENGTH,
    Draft,
    Questionnaire,
    Registration,
    Response,
    RevokedLink,
    Wave,
)
from impactlab_web.organisations.models import Organisation
from impactlab_web.programmes.models import Programme

_DOMAIN = b"impactlab fieldwork wave links\x00"


def secret() -> bytes:
    """The wave-link secret: FIELDWORK_TOKEN_SECRET if set, else derived from SECRET_KEY (32 bytes)."""
    configured = getattr(settings, "FIELDWORK_TOKEN_SECRET", None) or settings.SECRET_KEY
    return hashlib.sha256(_DOMAIN + str(configured).encode("utf-8")).digest()


# ------------------------------------------------------------------------------------------ links
class LinkProblem(Exception):
    """A link that cannot be used: forged or changed (400), unknown questionnaire (404), expired or closed (410)."""

    def __init__(self, status: int, en: str, nl: str):
        super().__init__(en)
        self.status, self.en, self.nl = status, en, nl

    def text(self, language: str) -> str:
        return self.nl if language == "nl" else self.en


def link_for(wave: Wave, respondent: str | None = None, anonymous: bool = False,
             valid_for: dt.timedelta | None = None) -> str:
    return make_token(secret(), wave.questionnaire.public_id, wave.name, respondent=respondent, anonymous=anonymous,
                      valid_for=valid_for or dt.timedelta(days=wave.valid_days))


def _token(text: str) -> str:
    """The token of a pasted link (a whole address, or the token alone)."""
    return text.strip().split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def respondent_key_of(text: str) -> str | None:
    """The respondent key of a pasted personal wave link (a whole address or the token, expired or not); None
    when the text is no valid link or an anonymous one."""
    try:
        link = verify_token(_token(text), secret())
    except (UserError, ValueError):
        return None
    return link.respondent


REVOKED = ("this link was withdrawn by whoever sent it; ask them for a new one if you still want to take part",
           "deze link is ingetrokken door wie hem stuurde; vraag om een nieuwe als u nog mee wilt doen")


def revoked(link: WaveLink, wave: Wave) -> bool:
    """Was this link, or the anonymous link it was handed out from, revoked in its wave?"""
    return RevokedLink.objects.filter(wave=wave, link_id__in=link.ids).exists()


def next_wave_links(tokens: list[str], wave: Wave) -> list[str]:
    """Links for `wave` that follow each earlier personal link (the same random respondent key); none from an
    expired or revoked link (whoever found it would otherwise get a fresh one)."""
    out = []
    for number, token in enumerate(tokens, start=1):
        token = _token(token)
        try:
            made = next_wave_token(token, secret(), wave.name, valid_for=dt.timedelta(days=wave.valid_days))
            earlier = verify_token(token, secret())
            earlier_wave = Wave.objects.filter(questionnaire__public_id=earlier.questionnaire,
                                               name=earlier.wave).first()
            if earlier.questionnaire != wave.questionnaire.public_id:
                raise UserError("this link is for another questionnaire / deze link hoort bij een andere vragenlijst")
            if earlier_wave is not None and revoked(earlier, earlier_wave):
                raise UserError("this link was revoked: no follow-up link can be made from it / deze link is "
                                "ingetrokken: er kan geen vervolglink van gemaakt worden")
            out.append(made)
        except UserError as error:
            raise UserError(f"link {number}: {error.messages[0]}") from None
    return out


def revoke_links(wave: Wave, tokens: list[str], user: Any = None) -> list[RevokedLink]:
    """Revoke these links of `wave` (an expired one too): from now on each answers 410 and accepts no answers;
    a revoked anonymous link stops every personal link handed out from it. A half-filled draft of a revoked
    personal link goes (it may have been filled in by whoever found the link). All or nothing: one link that
    is not a link of this wave (a message names it) revokes none."""
    links = []
    for number, text in enumerate(t for t in tokens if t.strip()):
        try:
            link = verify_token(_token(text), secret())
        except UserError as error:
            raise UserError(f"link {number + 1}: {error.messages[0]}") from None
        if link.questionnaire != wave.questionnaire.public_id or link.wave != wave.name:
            raise UserError(f"link {number + 1}: this is not a link of wave {wave.name} of this questionnaire / "
                            f"dit is geen link van meting {wave.name} van deze vragenlijst")
        links.append(link)
    if not links:
        raise UserError("paste at least one link / plak minstens een link")
    made = []
    with transaction.atomic():
        for link in links:
            kind = RevokedLink.Kind.ANONYMOUS if link.anonymous else RevokedLink.Kind.PERSONAL
            found, created = RevokedLink.objects.get_or_create(wave=wave, link_id=link.link_id,
                                                               defaults={"kind": kind, "revoked_by": user})
            if created:
                made.append(found)
            if not link.anonymous:
                Draft.objects.filter(wave=wave, respondent_key=link.link_id).delete()
    return made


def close_wave(wave: Wave, closed: bool) -> bool:
    """Close a wave (every link of it answers 410 and accepts no answers) or open it again; True if it changed."""
    return bool(Wave.objects.filter(pk=wave.pk).exclude(closed=closed).update(closed=closed))


def resolve(token: str) -> tuple[WaveLink, Wave]:
    """The link and its wave, or a LinkProblem (nothing is looked up for a token that is not ours)."""
    try:
        link = read_token(token, secret())
    except UserError as error:
        en, _, nl = error.messages[0].partition(" / ")
        raise LinkProblem(410 if "expired" in en else 400, en, nl or en) from None
    wave = (Wave.objects.select_related("questionnaire__programme")
            .filter(questionnaire__public_id=link.questionnaire, name=link.wave).first())
    if wave is None:
        raise LinkProblem(404, "this questionnaire no longer exists", "deze vragenlijst bestaat niet meer")
    if POLICY.read_only(wave.questionnaire.programme):
        raise LinkProblem(410, "this programme is archived: no more answers are taken",
                          "dit programma is gearchiveerd: er worden geen antwoorden meer aangenomen")
    if wave.closed:
        raise LinkProblem(410, f"wave {wave.name} of this questionnaire is closed: no more answers are taken",
                          f"meting {wave.name} van deze vragenlijst is gesloten: er worden geen antwoorden meer "
                          "aangenomen")
    if revoked(link, wave):
        raise LinkProblem(410, *REVOKED)
    return link, wave


# ---------------------------------------------------------------------------------------- answers
def raw_answers(core: CoreQuestionnaire, data: Any) -> dict[str, Any]:
    """The answers in a posted form (a QueryDict): text as typed, lists for multiple choice."""
    raw: dict[str, Any] = {}
    for question in core.questions:
        if question.type == "note":
            continue
        if question.type == "multiple_choice":
            values = [v for v in data.getlist(question.id) if v.strip()]
            if values:
                raw[question.id] = values
        else:
            value = data.get(question.id, "")
            if isinstance(value, str) and value.strip():
                raw[question.id] = value.strip()
    return raw


def json_safe(clean: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in clean.items()}


def save_draft(wave: Wave, key: str, raw: Mapping[str, Any]) -> None:
    Draft.objects.update_or_create(wave=wave, respondent_key=key, defaults={"answers": dict(raw)})


def draft_answers(wave: Wave, key: str) -> dict[str, Any]:
    draft = Draft.objects.filter(wave=wave, respondent_key=key).values_list("answers", flat=True).first()
    return draft or {}


@dataclass
class Submission:
    response: Response | None
    errors: list[AnswerError]
    created: bool


def submit(wave: Wave, key: str, raw: Mapping[str, Any], channel: str = Response.Channel.LINK) -> Submission:
    """Validate with the core and store once; invalid answers are kept as a draft, nothing is stored half."""
    clean, errors = clean_answers(wave.questionnaire.core, raw)
    if errors:
        save_draft(wave, key, raw)
        return Submission(None, errors, False)
    try:
        with transaction.atomic() if not transaction.get_autocommit() else _nothing():  # a savepoint if nested
            response = Response.objects.create(questionnaire_id=wave.questionnaire_id, wave=wave,
                                               respondent_key=key, answers=json_safe(clean), channel=channel)
    except IntegrityError:  # submitted before (a repeat, a double click, a concurrent twin): stored once
        return Submission(Response.objects.filter(wave=wave, respondent_key=key).first(), [], False)
    # The response is stored (one statement, committed on its own); a draft left behind by a failure here
    # is harmless: the link shows "thank you" from now on.
    Draft.objects.filter(wave=wave, respondent_key=key).delete()
    return Submission(response, [], True)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


# ---------------------------------------------------------------------------------------- builder
def question_from_form(data: Mapping[str, Any]) -> Question:
    """An own question from the builder form; problems raise UserError with the core's message."""
    kind = data["type"]
    shape: dict[str, Any] = {
        "id": data["id"], "type": kind, "required": bool(data.get("required")),
        "text": {k: v for k, v in (("nl", data.get("text_nl")), ("en", data.get("text_en"))) if v},
    }
    if kind in {"single_choice", "multiple_choice"}:
        choices = []
        for number, line in enumerate((data.get("choices") or "").splitlines(), start=1):
            if not line.strip():
                continue
            code, _, labels = line.partition("=")
            nl, _, en = labels.partition("|")
            code = code.strip()
            label = {k: v.strip() for k, v in (("nl", nl), ("en", en)) if v.strip()}
            choices.append({"code": int(code) if code.lstrip("-").isdigit() else code, **({"label": label}
                                                                                          if label else {})})
            if not code:
                raise UserError(f"choices, line {number}: give a code before '='")
        shape["choices"] = choices
    if kind in {"scale", "integer", "decimal"}:
        for name in ("min", "max"):
            if data.get(name) is not None and data.get(name) != "":
                value = float(data[name])
                shape[name] = int(value) if kind != "decimal" and value.is_integer() else value
    if kind == "scale":
        for name in ("min_label", "max_label"):
            if data.get(name):
                shape[name] = {"nl": data[name]}
    if kind == "text" and data.get("max_length"):
        shape["max_length"] = int(data["max_length"])
    if data.get("show_if"):
        shape["show_if"] = data["show_if"]
    try:
        return Question.model_validate(shape)
    except ValidationError as error:
        raise UserError([f"{'.'.join(str(p) for p in e['loc']) or 'question'}: "
                         f"{e['msg'].removeprefix('Value error, ')}" for e in error.errors()]) from None


def change_items(questionnaire: Questionnaire, items: list[dict[str, Any]]) -> CoreQuestionnaire:
    """Store a new item list after the core validated the whole document (skip logic across items too)."""
    from impactlab.fieldwork.questionnaire import questionnaire_from_data

    if questionnaire.locked():
        raise UserError("this questionnaire has responses; its questions can no longer change")
    document = {**questionnaire.document, "items": items}
    core = questionnaire_from_data(document, "questionnaire")
    questionnaire.document = _document(core)
    questionnaire.revision += 1
    questionnaire.save()
    return core


def _document(core: CoreQuestionnaire) -> dict[str, Any]:
    data = core.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return {"id": core.id, **data}


def new_document(slug: str, title_nl: str, title_en: str, instrument: str | None) -> dict[str, Any]:
    from impactlab.fieldwork.questionnaire import questionnaire_from_data

    title = {k: v for k, v in (("nl", title_nl), ("en", title_en)) if v}
    items: list[dict[str, Any]] = ([{"instrument": instrument}] if instrument else
                                   [{"id": "intro", "type": "note", "text": title}])
    return _document(questionnaire_from_data({"id": slug, "title": title, "items": items}, "questionnaire"))


def add_questionnaire(programme: Programme, document: dict[str, Any], user: Any = None) -> Questionnaire | None:
    """The programme's new questionnaire with its first wave (T0); None when the programme already has one with
    this id. The database's unique constraint decides, so a doubled or concurrent submit makes one questionnaire."""
    if len(str(document.get("id", ""))) > SLUG_LENGTH:
        raise UserError(_("The questionnaire's id is longer than %(n)d characters.") % {"n": SLUG_LENGTH})
    try:
        with transaction.atomic():
            item = Questionnaire.objects.create(programme=programme, document=document,
                                                created_by=user if getattr(user, "is_authenticated", False) else None)
            Wave.objects.create(questionnaire=item, name="T0")
    except IntegrityError:
        if not programme.questionnaires.filter(slug=document.get("id", "")).exists():
            raise
        return None
    return item


def item_summary(item: Any, language: str) -> dict[str, Any]:
    if isinstance(item, InstrumentBlock):
        from impactlab.evidence.instruments import load_instrument

        instrument = load_instrument(item.instrument)
        return {"kind": "instrument", "id": item.instrument, "text": localise(instrument.name, language),
                "count": len(instrument.items), "show_if": item.show_if, "prefix": item.prefix}
    return {"kind": "question", "id": item.id, "type": item.type, "text": localise(item.text, language),
            "required": item.required, "show_if": item.show_if, "choices": len(item.choices)}


# ---------------------------------------------------------------------------------------- snapshots
def _owner(programme: Programme, user: Any) -> Organisation:
    """The organisation that owns an export: the exporter's own organisation in the programme, else the lead."""
    organisations = {o.pk: o for o in programme.organisations()}
    if user is not None:
        from impactlab_web.core.permissions import Action, organisations_where

        mine = organisations_where(user, Action.DATA_OWN).filter(pk__in=list(organisations)).order_by("pk")
        for organisation_id in mine.values_list("pk", flat=True):
            return organisations[organisation_id]
    return programme.lead


def _write(programme: Programme, user: Any, dataset: str, frame: pl.DataFrame, source: str, columns: list[ColumnInfo],
           mapping: dict[str, Any], workspace: Workspace) -> tuple[SnapshotInfo, DatasetRecord]:
    body = frame.write_ipc(None).getvalue()
    mapping_text = json.dumps(mapping, sort_keys=True)
    info, _ = workspace.store().write(
        dataset, frame, None,
        source=SourceInfo(name=source, sha256=hashlib.sha256(body).hexdigest(), size=len(body), format="web"),
        rows=RowCounts(read=frame.height, imported=frame.height, quarantined=0),
        columns=columns, mapping=mapping, mapping_sha256=hashlib.sha256(mapping_text.encode()).hexdigest(),
        key_version=workspace.key_version(),
    )
    record, _ = DatasetRecord.objects.get_or_create(
        snapshot_id=info.snapshot_id,
        defaults={"owner": _owner(programme, user), "programme": programme, "name": dataset,
                  "source_sha256": info.source.sha256, "n": frame.height, "origin": source[:300]})
    return info, record


def responses_frame(questionnaire: Questionnaire, wave: Wave | None,
                    workspace: Workspace) -> tuple[pl.DataFrame, set[str], int]:
    """A wave's (or every wave's) responses, pseudonymised (the workspace's keyed pseudonym) and scored: the
    frame, its answer columns and the number of responses. The snapshot export and the API read it."""
    core = questionnaire.core
    responses = questionnaire.responses.select_related("wave").order_by("wave__name", "pk")
    if wave is not None:
        responses = responses.filter(wave=wave)
    rows = [{"respondent": r.respondent_key, "wave": r.wave.name, **r.answers} for r in responses]
    if not rows:
        raise UserError("there are no responses to export yet")
    frame = responses_to_frame(core, rows)
    frame = frame.with_columns(pseudonym_series(frame, "respondent", workspace.key()).alias("respondent"))
    frame = frame.select(["respondent", "wave", *[c for c in frame.columns if c not in ("respondent", "wave")]])
    items = set(frame.columns)
    return score_responses(core, frame), items, len(rows)


def export_responses(questionnaire: Questionnaire, wave: Wave | None, user: Any = None,
                     workspace: Workspace | None = None) -> tuple[SnapshotInfo, DatasetRecord]:
    """A wave's (or every wave's) responses as a pseudonymised, scored snapshot, like an import."""
    workspace = workspace or Workspace(settings.WORKSPACE_DIR)
    core = questionnaire.core
    frame, items, count = responses_frame(questionnaire, wave, workspace)
    labels = {c: (q, localise(q.text, "nl")) for q in core.questions for c in q.columns}
    columns = []
    for name, dtype in frame.schema.items():
        question, label = labels.get(name, (None, None))
        role = ("pseudonym" if name == "respondent" else "wave" if name == "wave" else
                "answer" if name in items else "score")
        value_labels = ({str(c.code): localise(c.label, "nl") for c in question.choices if c.label}
                        if question is not None and question.type == "single_choice" else {})
        columns.append(ColumnInfo(name=name, type=str(dtype), role=role, label=label, value_labels=value_labels))
    blocks = list(core.instrument_columns)
    mapping = {"kind": "questionnaire", "questionnaire": core.id, "version": core.version,
               "respondent_id": "respondent", "wave": "wave", "waves": sorted(set(frame["wave"].to_list())),
               **({"instrument": blocks[0]} if blocks else {}), "instruments": blocks}
    name = f"p{questionnaire.programme_id}-{core.id}"[:64]
    source = f"questionnaire {core.id}, wave {wave.name if wave else 'all'} ({count} responses)"
    return _write(questionnaire.programme, user, name, frame, source, columns, mapping, workspace)


def registrations_frame(registrations: Any) -> pl.DataFrame:
    """Registrations as the core's table, checked by the core."""
    from impactlab.fieldwork.registrations import COLUMNS

    rows = [r.row() for r in registrations]
    frame = pl.DataFrame(rows, schema=COLUMNS, orient="row") if rows else pl.DataFrame(schema=COLUMNS)
    return check_registrations(frame, "registrations")


def export_registrations(programme: Programme, user: Any = None,
                         workspace: Workspace | None = None) -> tuple[SnapshotInfo, DatasetRecord, pl.DataFrame]:
    """Every registration of the programme as a snapshot; client and provider codes through the keyed pseudonym."""
    workspace = workspace or Workspace(settings.WORKSPACE_DIR)
    frame = registrations_frame(Registration.objects.filter(programme=programme).order_by("date", "pk"))
    if frame.height == 0:
        raise UserError("there are no registrations to export yet")
    key = workspace.key()
    for column in ("client", "provider"):
        frame = frame.with_columns(pseudonym_series(frame, column, key).alias(column))
    from impactlab.fieldwork.registrations import COLUMNS

    frame = frame.select(list(COLUMNS))
    columns = [ColumnInfo(name=c, type=str(t), role="pseudonym" if c in ("client", "provider") else "registration")
               for c, t in frame.schema.items()]
    source = f"registrations of {programme.name} ({frame.height} rows)"
    info, record = _write(programme, user, f"p{programme.pk}-registrations", frame, source, columns,
                          {"kind": "registrations"}, workspace)
    return info, record, frame


def proposal(frame: pl.DataFrame, snapshot: str, stakeholder: str, proxy: str, activity: str) -> dict[str, Any]:
    """Inputs (informal hours valued with a proxy) and outputs (per kind of support) for the model."""
    inputs = [model_inputs(frame, snapshot, stakeholder, proxy).model_dump(mode="json", exclude_none=True)]
    outputs = [o.model_dump(mode="json", exclude_none=True) for o in model_outputs(frame, snapshot, activity)]
    return {"snapshot": snapshot, "activity": activity, "inputs": inputs, "outputs": outputs}


def apply_proposal(text: str, proposed: Mapping[str, Any]) -> str:
    """The model text with the proposed inputs and outputs merged in (same ids replaced, an activity added)."""
    document = yaml.safe_load(text) or {}
    for section in ("inputs", "outputs"):
        new = {item["id"]: item for item in proposed[section]}
        kept = [item for item in document.get(section) or [] if item.get("id") not in new]
        document[section] = kept + list(new.values())
    activities = document.get("activities") or []
    activity = proposed["activity"]
    input_ids = [i["id"] for i in proposed["inputs"]]
    found = next((a for a in activities if a.get("id") == activity), None)
    if found is None:
        activities.append({"id": activity, "name": "Support (registered)", "inputs": input_ids})
    else:
        found["inputs"] = list(dict.fromkeys([*(found.get("inputs") or []), *input_ids]))
    document["activities"] = activities
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)

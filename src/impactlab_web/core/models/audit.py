"""The audit trail of personal-data views and exports, and of account management (login throttling: django-axes).

The trail is **append-only**. The application cannot change or remove a row: ``AuditEvent.save`` refuses an
existing row, ``delete`` refuses always, and the manager's querysets refuse ``update``, ``delete`` and
``bulk_update``. The database refuses too (``impactlab_web.core.audit_triggers``): a trigger rejects every UPDATE on
PostgreSQL and SQLite, and every DELETE on PostgreSQL, except the one change Django itself makes when a user,
organisation or programme is deleted: setting its foreign key to NULL. The event keeps who, where and what as
text (``username``, ``organisation_name``, ``programme_name``), so it still reads the same after that.

Writing goes through ``impactlab_web.core.audit.record`` only. ``detail`` is short and never holds personal data nor
an uploaded file's own name (a file name may name a client): counts, formats and ids, no free text.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An attempt to change or remove an audit event."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnly(f"the audit trail is append-only: {what} is refused")


class AuditQuerySet(models.QuerySet):
    """Reading and adding only: no update or delete through a queryset."""

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update")

    def delete(self) -> NoReturn:
        _refuse("delete")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("bulk_update")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("update_or_create")

    delete.queryset_only = True  # type: ignore[attr-defined]


class AuditEvent(models.Model):
    """Who viewed or exported (personal) data, or changed someone's access: when, from where and what."""

    class Action(models.TextChoices):
        """Every action the trail records (the filter on the audit page lists these)."""

        DATA_UPLOAD = "data.upload", _("data file uploaded")
        DATA_PREVIEW = "data.preview", _("uploaded data previewed")
        DATA_IMPORT = "data.import", _("data import started")
        DATASET_VIEW = "dataset.view", _("dataset viewed")
        DATASET_SHARE = "dataset.share", _("dataset shared")
        DATASET_WITHDRAW = "dataset.withdraw", _("data-sharing agreement withdrawn")
        DATASET_DELETE = "dataset.delete", _("dataset snapshot deleted")
        RESPONDENT_ERASE = "respondent.erase", _("respondent erased from the data (right to erasure)")
        RESPONSES_EXPORT = "responses.export", _("questionnaire responses exported")
        LINKS_EXPORT = "links.export", _("personal link list downloaded")
        LINKS_REVOKE = "links.revoke", _("wave links revoked")
        WAVE_CLOSE = "wave.close", _("wave closed")
        WAVE_REOPEN = "wave.reopen", _("wave opened again")
        REGISTRATIONS_FEED = "registrations.feed", _("registrations exported to the model")
        REGISTRATIONS_VIEW = "registrations.view", _("registrations viewed")
        VISIT_VIEW = "visit.view", _("questionnaire opened with a client (visit)")
        DATA_REPORT = "data.report", _("validation report of an import viewed")
        TRANSCRIPT_UPLOAD = "transcript.upload", _("transcript uploaded")
        TRANSCRIPT_VIEW = "transcript.view", _("transcript viewed")
        QUOTES_VIEW = "quotes.view", _("quotes viewed")
        QUALITATIVE_EXPORT = "qualitative.export", _("qualitative project exported")
        REPORT_VIEW = "report.view", _("report with respondent data viewed")
        REPORT_DOWNLOAD = "report.download", _("report with respondent data downloaded")
        AUDIT_VIEW = "audit.view", _("audit trail viewed")
        AUDIT_EXPORT = "audit.export", _("audit trail exported")
        PEOPLE_INVITE = "people.invite", _("person invited")
        PEOPLE_INVITE_RESEND = "people.invite_resend", _("invitation sent again")
        PEOPLE_INVITE_CANCEL = "people.invite_cancel", _("invitation cancelled")
        PEOPLE_INVITE_ACCEPT = "people.invite_accept", _("invitation accepted")
        PEOPLE_ROLES = "people.roles", _("roles changed")
        PEOPLE_REMOVE = "people.remove", _("person removed")
        PEOPLE_ACTIVATE = "people.activate", _("account activated")
        PEOPLE_DEACTIVATE = "people.deactivate", _("account deactivated")
        PEOPLE_2FA_RULE = "people.2fa_rule", _("two-factor rule changed")
        PEOPLE_2FA_RESET = "people.2fa_reset", _("second factor reset")
        PARTNER_INVITE = "partner.invite", _("partner organisation invited")
        PARTNER_ACCEPT = "partner.accept", _("partnership accepted")
        PARTNER_DECLINE = "partner.decline", _("partnership declined")
        PARTNER_END = "partner.end", _("partnership ended")
        PARTNER_LEAVE = "partner.leave", _("programme left by a partner")
        PROGRAMME_CHANGE = "programme.change", _("programme renamed or described")
        PROGRAMME_ARCHIVE = "programme.archive", _("programme archived")
        PROGRAMME_UNARCHIVE = "programme.unarchive", _("programme taken out of the archive")
        PROGRAMME_DELETE = "programme.delete", _("programme deleted")
        MODEL_PUBLISH = "model.publish", _("model version published")
        ACCOUNT_EMAIL = "account.email", _("own e-mail address changed (confirmed by link)")
        TOKEN_CREATE = "token.create", _("personal access token created (API)")
        TOKEN_REVOKE = "token.revoke", _("personal access token revoked (API)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("user"), max_length=150, blank=True)
    organisation = models.ForeignKey("organisations.Organisation", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    programme = models.ForeignKey("programmes.Programme", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    programme_name = models.CharField(_("programme"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    object_type = models.CharField(_("object"), max_length=50)
    object_id = models.CharField(max_length=64)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_organisation_at"),
                   models.Index(fields=["programme", "-at"], name="audit_programme_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Only a new event is saved (as an INSERT); an existing one never changes."""
        if not self._state.adding:
            _refuse("changing an event")
        kwargs["force_insert"] = True
        kwargs.pop("update_fields", None)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("deleting an event")

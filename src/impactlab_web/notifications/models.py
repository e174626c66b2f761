"""One notification for one person, written in their language when it was made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        INVITATION = "invitation", _("invitation")
        COMMENT = "comment", _("comment on your report")
        DISPUTED = "disputed", _("disputed outcome on your report")
        ANSWER = "answer", _("answer to your comment")
        JOB_DONE = "job_done", _("job finished")
        JOB_FAILED = "job_failed", _("job failed")
        PARTNERSHIP = "partnership", _("partnership invitation")
        AGREEMENT_ENDED = "agreement_ended", _("data-sharing agreement ended")
        ACCOUNT = "account", _("change to your account")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"

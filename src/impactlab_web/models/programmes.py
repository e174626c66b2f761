"""Programmes (a network of partner organisations) and their impact model, one stored version per save."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from impactlab_web.models.organisations import Organisation


class Programme(models.Model):
    """A programme run by a lead organisation together with partners (a programme network)."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="led_programmes",
                             verbose_name=_("lead organisation"))
    partners = models.ManyToManyField(Organisation, blank=True, related_name="partner_programmes",
                                      verbose_name=_("partner organisations"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def organisations(self) -> list[Organisation]:
        """The lead and every partner."""
        return [self.lead, *[o for o in self.partners.all() if o.pk != self.lead_id]]

    def latest_version(self) -> ImpactModelVersion | None:
        return self.versions.order_by("-number").first()


class ImpactModelVersion(models.Model):
    """One saved impact model: the YAML text as written, validated by the core, with its key figures."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    document = models.JSONField(help_text="the validated model as a JSON document")
    figures = models.JSONField(default=dict, help_text="key figures of the valuation at save time")
    message = models.CharField(_("message"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="unique_version_number")]

    def __str__(self) -> str:
        return f"{self.programme} v{self.number}"

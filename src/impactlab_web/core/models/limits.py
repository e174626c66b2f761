"""Counts of the per-user rate limits (``impactlab_web.core.ratelimits``): one row per bucket, person and window."""

from __future__ import annotations

from django.db import models


class RateCount(models.Model):
    """How often ``key`` (a bucket and who: ``model.check:user:12``) was used in fixed window ``window``."""

    key = models.CharField(max_length=200)
    window = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="rate_count_key_window")]

    def __str__(self) -> str:
        return f"{self.key} @{self.window}: {self.count}"

"""The limits of the public questionnaire pages, counted by the app's one rate limiter (``ratelimits.hit``:
atomic in the database, so every worker process and machine sees the same count).

Buckets: posts per wave link (saving and submitting), new respondents per address on an anonymous link,
unusable links per address, and per anonymous link whoever uses it.
"""

from __future__ import annotations

from django.conf import settings

from impactlab_web.core.ratelimits import hit

DEFAULTS = {"post_per_link": 30, "anonymous_per_address": 60, "bad_link_per_address": 30,
            # one anonymous link, whoever uses it: new visitors, and posts of the links handed out from it
            "anonymous_per_link": 300, "post_per_anonymous_link": 600}
WINDOW = 60  # seconds


def limit(name: str) -> int:
    return int(getattr(settings, "FIELDWORK_RATE_LIMITS", {}).get(name, DEFAULTS[name]))


def allow(name: str, who: str) -> bool:
    """Count one hit of `who` in bucket `name`; False once the bucket's limit per minute is passed."""
    return hit(f"fieldwork.{name}", who, limit(name), WINDOW).allowed

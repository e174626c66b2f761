"""A small fixed-window rate limit in Django's cache, for the public questionnaire pages.

Buckets: posts per wave link (saving and submitting), new respondents per address on an anonymous link, and
unusable links per address. With the default per-process cache the counts are per worker process, which
is enough to stop a runaway client; configure a shared cache (e.g. Redis) for exact counts across workers.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

DEFAULTS = {"post_per_link": 30, "anonymous_per_address": 60, "bad_link_per_address": 30,
            # one anonymous link, whoever uses it: new visitors, and posts of the links handed out from it
            "anonymous_per_link": 300, "post_per_anonymous_link": 600}
WINDOW = 60  # seconds


def limit(name: str) -> int:
    return int(getattr(settings, "FIELDWORK_RATE_LIMITS", {}).get(name, DEFAULTS[name]))


def allow(name: str, who: str) -> bool:
    """Count one hit of `who` in bucket `name`; False once the bucket's limit per minute is passed."""
    key = f"fieldwork-rate:{name}:{who}:{int(time.time() // WINDOW)}"
    if cache.add(key, 1, WINDOW + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW + 5)
            count = 1
    return count <= limit(name)

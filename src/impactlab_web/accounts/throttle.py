"""Throttles of the account pages: how many password-reset requests per address and per e-mail address.

Counted in Django's cache (a fixed window per bucket); with a cache shared by the processes (settings.CACHES)
the count holds across workers.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

LIMITS = {  # bucket -> (requests, window in seconds)
    "password-reset-ip": (10, 3600),
    "password-reset-email": (3, 3600),
}


def throttled(bucket: str, who: str) -> bool:
    """Count one request of `who` in `bucket`; True once the bucket's limit in its window is passed."""
    limit, window = getattr(settings, "IMPACTLAB_ACCOUNT_THROTTLES", {}).get(bucket, LIMITS[bucket])
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # no e-mail address or IP in the cache keys
    key = f"account-throttle:{bucket}:{digest}:{int(time.time() // window)}"
    if cache.add(key, 1, window + 5):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window + 5)
        return limit < 1

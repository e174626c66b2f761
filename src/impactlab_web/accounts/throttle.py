"""Throttles of the account pages: "forgot password" requests per address and per e-mail address, counted by the
app's one rate limiter (``impactlab_web.core.ratelimits``, atomic in the database, shared by every process)."""

from __future__ import annotations

import hashlib

from impactlab_web.core.ratelimits import hit


def throttled(bucket: str, who: str) -> bool:
    """Count one request of `who` in `bucket`; True once the bucket's limit in its window is passed."""
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]  # no e-mail address or IP in the counter's keys
    return not hit(bucket, digest).allowed

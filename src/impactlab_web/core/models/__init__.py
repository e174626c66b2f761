"""The installation's cross-cutting tables: the audit trail and the counts of the rate limits."""

from impactlab_web.core.models.audit import AuditEvent
from impactlab_web.core.models.limits import RateCount

__all__ = ["AuditEvent", "RateCount"]

"""The web app's tables: organisations and people, programmes with their model versions, data and audit."""

from impactlab_web.models.audit import AuditEvent
from impactlab_web.models.data import DatasetRecord, DataSharingAgreement
from impactlab_web.models.limits import RateCount
from impactlab_web.models.organisations import Membership, Organisation, Profile, Role
from impactlab_web.models.programmes import ImpactModelVersion, Partnership, Programme

__all__ = [
    "AuditEvent",
    "DataSharingAgreement",
    "DatasetRecord",
    "ImpactModelVersion",
    "Membership",
    "Organisation",
    "Partnership",
    "Profile",
    "Programme",
    "RateCount",
    "Role",
]

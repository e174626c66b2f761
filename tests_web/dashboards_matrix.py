"""Expected statuses of the upload, agreement and dashboard URLs in the authorisation matrix."""

from __future__ import annotations

from collections.abc import Callable

from impactlab_web.organisations.models import Role

Rule = Callable[[Role | None, str], int]
DATA = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.PROFESSIONAL})
RESULTS = frozenset({Role.ADMINISTRATOR, Role.RESEARCHER, Role.REVIEWER, Role.VIEWER})
ADMIN = frozenset({Role.ADMINISTRATOR})


def _mine(allowed: frozenset[Role], ok: int, owner: tuple[Role, str]) -> Rule:
    """Only `owner` (role, scope) reaches the object; other allowed roles get 404 (it is not theirs)."""
    def rule(role: Role | None, scope: str) -> int:
        if role is None:
            return 302
        if scope == "foreign":
            return 404
        if role not in allowed:
            return 403
        return ok if (role, scope) == owner else 404
    return rule


def uploader(ok: int) -> Rule:
    """An upload is seen by its uploader only (the matrix world's upload: the own organisation's administrator)."""
    return _mine(DATA, ok, (Role.ADMINISTRATOR, "own"))


def dataset_admin(ok: int) -> Rule:
    """Agreements are made and withdrawn by administrators of the organisation that owns the dataset."""
    return _mine(ADMIN, ok, (Role.ADMINISTRATOR, "own"))


def upload(world) -> str:
    """An upload of the world's own administrator, waiting for its mapping (its file already gone)."""
    from impactlab_web.data.models import Upload

    found = Upload.objects.filter(programme=world.programme).first() or Upload.objects.create(
        programme=world.programme, owner=world.own, uploaded_by=world.user(Role.ADMINISTRATOR, "own"),
        filename="survey.csv", format="csv")
    return str(found.pk)


def agreement(world) -> int:
    """The world's dataset shared with the partner organisation."""
    import datetime as dt

    from impactlab_web.data.models import DataSharingAgreement

    found = DataSharingAgreement.objects.filter(dataset=world.dataset).first() or DataSharingAgreement.objects.create(
        dataset=world.dataset, partner=world.partner, purpose="evaluation",
        valid_until=dt.date.today() + dt.timedelta(days=30))
    return found.pk

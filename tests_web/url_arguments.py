"""Test values for URL arguments in the authorisation matrix: one line per argument name.

Each area adds the arguments its URLs take. A value is a function of the test world; it may create
what it needs in the world's programme (``world.programme``; its lead organisation is ``world.own``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impactlab_web.fieldwork import testing as fieldwork_args
from impactlab_web.qualitative.testing import sample
from tests_web import dashboards_matrix as dash
from tests_web import people_world, review_world


def _invited(world: Any) -> Any:
    from django.contrib.auth.models import User

    from impactlab_web.programmes import partnerships

    lead_admin = User.objects.get(username="administrator-own")
    return partnerships.invite(world.programme, "someone@elsewhere.example", lead_admin)


def _access_token(world: Any) -> int:
    """A personal access token of someone outside the world (nobody there may revoke it)."""
    from django.contrib.auth.models import User

    from impactlab_web.api import tokens

    owner, _ = User.objects.get_or_create(username="token-owner")
    return tokens.make(owner, "someone's", ["programmes:read"])[0].pk


ARGUMENTS: dict[str, Callable[[Any], object]] = {
    "programme": lambda world: world.programme.pk,
    "number": lambda world: 1,
    "section": lambda world: "outcomes",  # editor: a part of the model
    "item": lambda world: "less_lonely",  # editor: an outcome of the example model
    "dataset": lambda world: world.dataset.pk,
    "job": lambda world: world.job.pk,
    "questionnaire": lambda world: fieldwork_args.questionnaire(world),  # fieldwork
    "wave": lambda world: fieldwork_args.wave(world),  # fieldwork
    "wave_link": lambda world: fieldwork_args.wave_link(world),  # fieldwork
    "registration": lambda world: fieldwork_args.registration(world),  # fieldwork
    "qdoc": lambda world: sample(world.programme).document.pk,  # qualitative
    "qcode": lambda world: sample(world.programme).code.pk,  # qualitative
    "upload": lambda world: dash.upload(world),  # dashboards: an upload of the own administrator
    "agreement": lambda world: dash.agreement(world),  # dashboards: the dataset shared with the partner
    "chart": lambda world: "waterfall",  # dashboards
    "cycle": lambda world: review_world.cycle(world).number,
    "phase": lambda world: "fieldwork",
    "report": lambda world: review_world.report(world).pk,
    "fmt": lambda world: "pdf",
    "share": lambda world: review_world.share(world).pk,
    "comment": lambda world: review_world.comment(world).pk,
    "token": lambda world: review_world.token(world),
    "organisation": lambda world: world.own.pk,  # people: the lead organisation
    "person": lambda world: people_world.person(world).pk,
    "invitation": lambda world: people_world.invitation(world)[0].pk,
    "invite_token": lambda world: people_world.invitation(world)[1],
    "notification": lambda world: 999_999,  # notifications: no one's
    "partnership": lambda world: _invited(world).pk,  # partners: an open invitation of the programme
    "uidb64": lambda world: "MQ",  # accounts: a password-reset link (with a token that is not one: invalid)
    "email_token": lambda world: "c0ffee-0123456789abcdef",  # accounts: a change-of-address link (invalid)
    "access_token": _access_token,  # api: a personal access token of someone else
}

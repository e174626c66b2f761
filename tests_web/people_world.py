"""Test values for the people URLs: a person of the own organisation and an open invitation to it."""

from __future__ import annotations

from django.contrib.auth.models import User

from impactlab_web.organisations.models import Invitation, Membership, Role
from impactlab_web.organisations.people import new_token, token_hash


def person(world) -> User:
    user, created = User.objects.get_or_create(username="person-own", defaults={"email": "person@welzijn.test"})
    if created:
        Membership.objects.create(user=user, organisation=world.own, role=Role.PROFESSIONAL)
    return user


def invitation(world) -> tuple[Invitation, str]:
    from django.utils import timezone

    token = new_token()
    found = Invitation.objects.filter(organisation=world.own, email="new@welzijn.test").first()
    if found is None:
        found = Invitation.objects.create(organisation=world.own, email="new@welzijn.test", role=Role.RESEARCHER,
                                          token_sha256=token_hash(token), expires=timezone.now()
                                          + Invitation.lifetime())
    else:
        found.token_sha256 = token_hash(token)
        found.save()
    return found, token

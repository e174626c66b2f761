"""What an organisation's administrator does with its people, as functions the views (and tests) call.

Every function takes the organisation it acts in and touches only that organisation's memberships: an
administrator can never reach another organisation's people. The last active administrator of an
organisation can neither be removed, demoted nor deactivated, so no organisation is left without one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from impactlab_web.accounts import sessions, twofactor
from impactlab_web.accounts.models import TwoFactorRule
from impactlab_web.core import audit
from impactlab_web.notifications.notify import Kind, notify
from impactlab_web.organisations.models import (
    Invitation,
    Membership,
    Organisation,
    Profile,
    Role,
    new_token,
    token_hash,
)
from impactlab_web.programmes.models import Partnership, Programme


class PeopleError(Exception):
    """An action the rules refuse; the message is for the administrator."""


@dataclass(frozen=True)
class Person:
    """One person of an organisation: their account, organisation roles and programme roles."""

    user: User
    roles: list[Role]
    programme_roles: list[tuple[Programme, Role]]
    other_organisations: int


def programmes_of(organisation: Organisation) -> QuerySet[Programme]:
    """Programmes the organisation leads or is an accepted partner of: where its administrator may give
    programme roles."""
    partnered = Partnership.objects.accepted().filter(organisation=organisation).values("programme")
    return Programme.objects.filter(Q(lead=organisation) | Q(pk__in=partnered)).order_by("name")


def members(organisation: Organisation) -> QuerySet[User]:
    ids = Membership.objects.filter(organisation=organisation).values("user")
    return User.objects.filter(pk__in=ids).order_by("last_name", "first_name", "username")


def person(organisation: Organisation, user: User) -> Person:
    mine = Membership.objects.filter(user=user)
    programmes = programmes_of(organisation)
    return Person(
        user=user,
        roles=sorted(Role(r) for r in mine.filter(organisation=organisation).values_list("role", flat=True)),
        programme_roles=[(m.programme, Role(m.role)) for m in
                         mine.filter(programme__in=programmes).select_related("programme").order_by("programme__name")],
        other_organisations=mine.exclude(organisation=organisation).filter(organisation__isnull=False)
        .values("organisation").distinct().count(),
    )


def people(organisation: Organisation) -> list[Person]:
    return [person(organisation, user) for user in members(organisation)]


def _active_administrators(organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation, role=Role.ADMINISTRATOR, user__is_active=True)


def _keeps_an_administrator(organisation: Organisation, without: User) -> bool:
    return _active_administrators(organisation).exclude(user=without).exists()


def _log(by: AbstractBaseUser | None, what: str, organisation: Organisation, detail: dict) -> None:
    """Account management goes into the audit trail too: who changed whose access, and when."""
    audit.record(None, audit.Action(what), organisation, user=by, detail=detail)


# ------------------------------------------------------------------------------------------------ roles
@transaction.atomic
def set_roles(organisation: Organisation, user: User, roles: set[Role],
              programme_roles: set[tuple[int, Role]], by: AbstractBaseUser) -> None:
    """Give `user` exactly these organisation roles and these programme roles (programmes of the organisation)."""
    if not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise PeopleError(_("%(name)s is not one of your organisation's people.") % {"name": user.get_username()})
    if Role.ADMINISTRATOR not in roles and not _keeps_an_administrator(organisation, user):
        raise PeopleError(_("Your organisation needs at least one active administrator."))
    if not roles:
        raise PeopleError(_("Give at least one role, or remove the person from the organisation."))
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # serialise role changes
    Membership.objects.filter(organisation=organisation, user=user).exclude(role__in=roles).delete()
    for role in roles:
        Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    allowed = set(programmes_of(organisation).values_list("pk", flat=True))
    if any(pk not in allowed for pk, _role in programme_roles):
        raise PeopleError(_("A programme role can only be given in your organisation's programmes."))
    current = Membership.objects.filter(user=user, programme__in=allowed)
    for membership in current:
        if (membership.programme_id, Role(membership.role)) not in programme_roles:
            membership.delete()
    for pk, role in programme_roles:
        Membership.objects.get_or_create(user=user, programme_id=pk, role=role)
    _log(by, "people.roles", organisation=organisation,
                 detail={"person": user.pk, "roles": sorted(roles),
                         "programme_roles": sorted(f"{pk}:{role}" for pk, role in programme_roles)})


@transaction.atomic
def remove(organisation: Organisation, user: User, by: AbstractBaseUser) -> None:
    """End the person's roles in the organisation and in its programmes; their account stays."""
    if not _keeps_an_administrator(organisation, user):
        raise PeopleError(_("Your organisation needs at least one active administrator."))
    Membership.objects.filter(organisation=organisation, user=user).delete()
    Membership.objects.filter(user=user, programme__lead=organisation).delete()
    _log(by, "people.remove", organisation=organisation, detail={"person": user.pk})


@transaction.atomic
def set_active(organisation: Organisation, user: User, active: bool, by: AbstractBaseUser) -> None:
    """Deactivate (every session of the account ends at its next request) or reactivate an account.

    Only for people who belong to this organisation alone: another organisation's people are theirs to manage.
    """
    _own_person(organisation, user)
    if not active and not _keeps_an_administrator(organisation, user):
        raise PeopleError(_("Your organisation needs at least one active administrator."))
    User.objects.filter(pk=user.pk).update(is_active=active)
    if not active:
        sessions.end(user)
    _log(by, "people.activate" if active else "people.deactivate", organisation=organisation,
                 detail={"person": user.pk})


def _own_person(organisation: Organisation, user: User) -> Person:
    """The person, when they belong to this organisation alone (another organisation's people are theirs)."""
    found = person(organisation, user)
    if not found.roles:
        raise PeopleError(_("%(name)s is not one of your organisation's people.") % {"name": user.get_username()})
    if found.other_organisations:
        raise PeopleError(_("%(name)s also works for another organisation: remove them from yours instead.")
                          % {"name": user.get_username()})
    return found


# ------------------------------------------------------------------------------------------------ two-factor login
def two_factor_required(organisation: Organisation) -> bool:
    return TwoFactorRule.objects.filter(organisation=organisation, required=True).exists()


@transaction.atomic
def require_two_factor(organisation: Organisation, required: bool, by: AbstractBaseUser) -> None:
    """Require (or no longer require) a second factor of everyone whose role here sees personal data."""
    TwoFactorRule.objects.update_or_create(organisation=organisation,
                                           defaults={"required": required, "changed_by": by})
    _log(by, "people.2fa_rule", organisation=organisation, detail={"required": required})


@transaction.atomic
def reset_two_factor(organisation: Organisation, user: User, by: AbstractBaseUser) -> None:
    """A lost phone: remove the person's second factor and end their sessions; they set it up again at login."""
    _own_person(organisation, user)
    twofactor.remove(user)
    sessions.end(user)
    _log(by, "people.2fa_reset", organisation=organisation, detail={"person": user.pk})


# ------------------------------------------------------------------------------------------------ invitations
def invitation_url(build_absolute_uri, token: str) -> str:
    from django.urls import reverse

    return build_absolute_uri(reverse("people:accept", kwargs={"invite_token": token}))


def _send(invitation: Invitation, token: str, build_absolute_uri) -> None:
    with translation.override(invitation.language):
        context = {"invitation": invitation, "url": invitation_url(build_absolute_uri, token),
                   "inviter": invitation.invited_by.get_full_name() or invitation.invited_by.get_username()
                   if invitation.invited_by else "", "role": Role(invitation.role).label}
        subject = _("Invitation to impactlab for %(organisation)s") % {"organisation": invitation.organisation}
        body = render_to_string("organisations/invitation_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])


@transaction.atomic
def invite(organisation: Organisation, email: str, role: Role, language: str, by: AbstractBaseUser,
           build_absolute_uri) -> Invitation:
    """Invite an e-mail address (a renewed link if one is open already); sends the e-mail."""
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise PeopleError(_("%(email)s already belongs to your organisation.") % {"email": email})
    token = new_token()
    expires = timezone.now() + Invitation.lifetime()
    invitation = Invitation.objects.filter(organisation=organisation, email=email, accepted_at__isnull=True,
                                           cancelled_at__isnull=True).select_for_update().first()
    if invitation is None:
        invitation = Invitation.objects.create(organisation=organisation, email=email, role=role, language=language,
                                               token_sha256=token_hash(token), invited_by=by, expires=expires)
    else:
        invitation.role, invitation.language, invitation.invited_by = role, language, by
        invitation.token_sha256, invitation.expires = token_hash(token), expires
        invitation.sent_count += 1
        invitation.save()
    _send(invitation, token, build_absolute_uri)
    notify(User.objects.filter(email__iexact=email), Kind.INVITATION,
           lambda: _("%(organisation)s invited you; the link is in your e-mail") % {"organisation": organisation.name},
           email=False)  # the invitation e-mail is the e-mail; its one-time link is never stored
    _log(by, "people.invite", organisation=organisation, detail={"invitation": invitation.pk})
    return invitation


@transaction.atomic
def resend(invitation: Invitation, by: AbstractBaseUser, build_absolute_uri) -> None:
    """A new link (the old one stops working) with a new expiry date."""
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.CANCELLED):
        raise PeopleError(_("This invitation has ended."))
    token = new_token()
    invitation.token_sha256, invitation.expires = token_hash(token), timezone.now() + Invitation.lifetime()
    invitation.sent_count += 1
    invitation.save()
    _send(invitation, token, build_absolute_uri)
    _log(by, "people.invite_resend", organisation=invitation.organisation,
                 detail={"invitation": invitation.pk})


def cancel(invitation: Invitation, by: AbstractBaseUser) -> None:
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.CANCELLED):
        raise PeopleError(_("This invitation has ended."))
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    _log(by, "people.invite_cancel", organisation=invitation.organisation,
                 detail={"invitation": invitation.pk})


def open_invitation(token: str) -> Invitation | None:
    """The invitation behind a link if it can still be accepted; None for unknown, used, cancelled or expired."""
    invitation = Invitation.objects.select_related("organisation").filter(token_sha256=token_hash(token)).first()
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        return None
    return invitation


def invitation_state(token: str) -> str | None:
    """Why a link cannot be used (accepted, cancelled, expired), or None when it is unknown or open."""
    invitation = Invitation.objects.filter(token_sha256=token_hash(token)).first()
    return None if invitation is None else invitation.status


@transaction.atomic
def accept(token: str, user: User | None, new_account: dict | None = None) -> User:
    """Accept: `user` (logged in, with the invited e-mail address) or a new account from `new_account`."""
    invitation = Invitation.objects.select_for_update().filter(token_sha256=token_hash(token)).first()
    if invitation is None or invitation.status != Invitation.Status.PENDING:
        raise PeopleError(_("This invitation link is no longer valid. Ask your administrator for a new one."))
    if user is None:
        assert new_account is not None
        first, _sep, last = new_account.get("name", "").strip().partition(" ")
        user = User.objects.create_user(new_account["username"], email=invitation.email,
                                        password=new_account["password"], first_name=first, last_name=last)
        Profile.objects.create(user=user, language=new_account.get("language") or invitation.language)
    elif (user.email or "").lower() != invitation.email:
        raise PeopleError(_("This invitation was sent to %(email)s; log out and open the link again, or ask for "
                            "an invitation to your own address.") % {"email": invitation.email})
    Membership.objects.get_or_create(user=user, organisation=invitation.organisation, role=invitation.role)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _log(user, "people.invite_accept", organisation=invitation.organisation,
                 detail={"invitation": invitation.pk})
    return user

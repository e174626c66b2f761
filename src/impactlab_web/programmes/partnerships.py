"""Partner organisations of a programme, with their consent: invite, accept or decline, end or leave.

The lead invites a named administrator's e-mail address or makes a one-time code; no one is shown a list of
organisations. The invited administrator chooses which of *their* organisations joins and accepts (or
declines). Only then does the organisation count as a partner (``Partnership.objects.accepted()``), and its
people hold in the programme only the roles their own administrator gives them. Ending a partnership (the
lead) or leaving (the partner) withdraws, at once, every data-sharing agreement between that organisation and
the programme, and the programme roles of its people. Every step is audited; the permission decisions are
the views' (``permissions.POLICY``), the rules of the steps are here.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from impactlab_web.core import audit
from impactlab_web.data.models import DataSharingAgreement
from impactlab_web.notifications.notify import Kind, notify
from impactlab_web.organisations.models import Membership, Organisation, Role
from impactlab_web.programmes.models import Partnership, Programme, code_hash

State = Partnership.State
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed over without mistakes


class PartnershipError(Exception):
    """A step the rules refuse; the message is for the person who tried it."""


def administrators(organisations: QuerySet[Organisation] | list[Organisation]) -> QuerySet[User]:
    """The active administrators of these organisations."""
    ids = Membership.objects.filter(organisation__in=organisations, role=Role.ADMINISTRATOR).values("user")
    return User.objects.filter(pk__in=ids, is_active=True)


def administrators_of_address(email: str) -> QuerySet[User]:
    """Active accounts with this address that administer at least one organisation."""
    admins = Membership.objects.filter(role=Role.ADMINISTRATOR, organisation__isnull=False).values("user")
    return User.objects.filter(email__iexact=email.strip(), pk__in=admins, is_active=True)


def _own_address_only(programme: Programme, email: str) -> bool:
    """Does the address belong only to administrators of the lead, who administer no other organisation?"""
    users = administrators_of_address(email)
    if not users.exists():
        return False
    others = Membership.objects.filter(user__in=users, role=Role.ADMINISTRATOR, organisation__isnull=False
                                       ).exclude(organisation=programme.lead_id)
    return not others.exists()


# ------------------------------------------------------------------------------------------------ invitations
@transaction.atomic
def invite(programme: Programme, email: str, by: AbstractBaseUser, base_url: str = "") -> Partnership:
    """Invite the administrator at `email`: an in-app notification and an e-mail (also when the address has no
    account yet: they may make one). The inviter is never told whether the address is known."""
    email = email.strip().lower()
    if _own_address_only(programme, email):
        raise PartnershipError(_("An organisation cannot be its own partner: %(email)s administers %(lead)s, "
                                 "the lead of this programme.") % {"email": email, "lead": programme.lead.name})
    if Partnership.objects.open().filter(programme=programme, email=email).exists():
        raise PartnershipError(_("%(email)s has an open invitation to this programme already.") % {"email": email})
    partnership = Partnership.objects.create(programme=programme, email=email, invited_by=by,
                                             expires=timezone.now() + Partnership.lifetime())
    link = reverse("partners:inbox")
    admins = list(administrators_of_address(email))
    notify(admins, Kind.PARTNERSHIP, lambda: _("%(lead)s invites your organisation to take part in %(programme)s")
           % {"lead": programme.lead.name, "programme": programme.name}, link=link, base_url=base_url)
    if not admins:
        _mail_address(email, programme, f"{base_url}{link}")
    audit.record(None, audit.Action.PARTNER_INVITE, partnership, user=by, programme=programme,
                 organisation=programme.lead, detail={"partnership": partnership.pk, "by": "e-mail"})
    return partnership


def _mail_address(email: str, programme: Programme, url: str) -> None:
    """The invitation to an address without an administrator's account: in Dutch and in English."""
    parts = []
    for language in ("nl", "en"):
        with translation.override(language):
            parts.append(_("%(lead)s invites your organisation to take part in the programme %(programme)s in "
                           "impactlab. An administrator of your organisation with this e-mail address can accept "
                           "or decline the invitation here: %(url)s")
                         % {"lead": programme.lead.name, "programme": programme.name, "url": url})
    subject = f"impactlab: {programme.name}"[:150]
    transaction.on_commit(lambda: send_mail(subject, "\n\n".join(parts), settings.DEFAULT_FROM_EMAIL, [email],
                                            fail_silently=True))


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(12))
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


@transaction.atomic
def make_code(programme: Programme, by: AbstractBaseUser) -> tuple[Partnership, str]:
    """A one-time invitation code (shown once; only its hash is kept) that expires with the invitation."""
    code = _new_code()
    partnership = Partnership.objects.create(programme=programme, code_sha256=code_hash(code), invited_by=by,
                                             expires=timezone.now() + Partnership.lifetime())
    audit.record(None, audit.Action.PARTNER_INVITE, partnership, user=by, programme=programme,
                 organisation=programme.lead, detail={"partnership": partnership.pk, "by": "code"})
    return partnership, code


def by_code(code: str) -> Partnership | None:
    """The invitation behind a code if it can still be answered; None for unknown, used or expired codes."""
    if not code.strip():
        return None
    return Partnership.objects.open().select_related("programme", "programme__lead").filter(
        code_sha256=code_hash(code)).first()


def inbox(user: AbstractBaseUser) -> QuerySet[Partnership]:
    """Open invitations sent to this user's address (an administrator's; the view checks that)."""
    address = (getattr(user, "email", "") or "").strip()
    if not address:
        return Partnership.objects.none()
    return Partnership.objects.open().filter(email__iexact=address).select_related("programme", "programme__lead")


def _locked_open(partnership: Partnership) -> Partnership:
    found = Partnership.objects.select_for_update(of=("self",)).select_related(
        "programme", "programme__lead").get(pk=partnership.pk)
    if found.state != State.INVITED or found.expired:
        raise PartnershipError(_("This invitation can no longer be answered: it was answered, withdrawn or it "
                                 "expired. Ask the programme's lead for a new one."))
    return found


def refusal(programme: Programme, organisation: Organisation) -> str | None:
    """Why `organisation` cannot join `programme` as a partner, or None when it can."""
    if organisation.pk == programme.lead_id:
        return _("An organisation cannot be its own partner: %(name)s leads this programme.") % {
            "name": organisation.name}
    if programme.partners.filter(pk=organisation.pk).exists():
        return _("%(name)s is a partner of this programme already.") % {"name": organisation.name}
    return None


@transaction.atomic
def accept(partnership: Partnership, organisation: Organisation, by: AbstractBaseUser,
           base_url: str = "") -> Partnership:
    """`organisation` (administered by `by`; the view checks) joins the programme as a partner."""
    found = _locked_open(partnership)
    programme = found.programme
    reason = refusal(programme, organisation)
    if reason:
        raise PartnershipError(reason)
    found.organisation, found.state = organisation, State.ACCEPTED
    found.answered_by, found.answered_at = by, timezone.now()
    found.save(update_fields=["organisation", "state", "answered_by", "answered_at"])
    audit.record(None, audit.Action.PARTNER_ACCEPT, found, user=by, programme=programme, organisation=organisation,
                 detail={"partnership": found.pk})
    notify(_lead_side(found), Kind.PARTNERSHIP, lambda: _("%(name)s accepted to take part in %(programme)s")
           % {"name": organisation.name, "programme": programme.name},
           link=reverse("partners:list", kwargs={"programme": programme.pk}), base_url=base_url, skip=by)
    return found


@transaction.atomic
def decline(partnership: Partnership, by: AbstractBaseUser, base_url: str = "") -> Partnership:
    """The invited administrator declines; the lead learns that it was declined, not by which organisation."""
    found = _locked_open(partnership)
    found.state, found.answered_by, found.answered_at = State.DECLINED, by, timezone.now()
    found.save(update_fields=["state", "answered_by", "answered_at"])
    audit.record(None, audit.Action.PARTNER_DECLINE, found, user=by, programme=found.programme,
                 organisation=found.programme.lead, detail={"partnership": found.pk})
    notify(_lead_side(found), Kind.PARTNERSHIP, lambda: _("An invitation to %(programme)s was declined")
           % {"programme": found.programme.name},
           link=reverse("partners:list", kwargs={"programme": found.programme_id}), base_url=base_url, skip=by)
    return found


def _lead_side(partnership: Partnership) -> list[User]:
    """Who hears of an answer: the inviter and the lead's administrators."""
    inviter = [partnership.invited_by] if partnership.invited_by_id else []
    return [*inviter, *administrators([partnership.programme.lead])]


# ------------------------------------------------------------------------------------------------ ending
@transaction.atomic
def end(partnership: Partnership, by: AbstractBaseUser, leaving: bool = False, base_url: str = "") -> Partnership:
    """End a partnership (the lead), leave a programme (the partner, ``leaving``) or withdraw an open invitation.

    An accepted partnership's end withdraws every data-sharing agreement between that organisation and the
    programme and the programme roles of its people, in the same transaction: access stops at once.
    """
    found = Partnership.objects.select_for_update(of=("self",)).select_related(
        "programme", "programme__lead", "organisation").get(pk=partnership.pk)
    if found.state not in (State.INVITED, State.ACCEPTED):
        raise PartnershipError(_("This partnership has ended already."))
    was_accepted = found.state == State.ACCEPTED
    found.state, found.ended_by, found.ended_at = State.ENDED, by, timezone.now()
    found.save(update_fields=["state", "ended_by", "ended_at"])
    programme, organisation = found.programme, found.organisation
    withdrawn = 0
    if was_accepted and organisation is not None:
        withdrawn = withdraw_agreements(programme, organisation, by)
        _drop_programme_roles(programme, organisation)
    audit.record(None, audit.Action.PARTNER_LEAVE if leaving else audit.Action.PARTNER_END, found, user=by,
                 programme=programme, organisation=organisation or programme.lead,
                 detail={"partnership": found.pk, "agreements_withdrawn": withdrawn})
    if was_accepted and organisation is not None:
        told = _lead_side(found) if leaving else list(administrators([organisation]))
        notify(told, Kind.PARTNERSHIP, lambda: _("%(name)s no longer takes part in %(programme)s")
               % {"name": organisation.name, "programme": programme.name}, link=reverse("partners:inbox")
               if not leaving else reverse("partners:list", kwargs={"programme": programme.pk}),
               base_url=base_url, skip=by)
    return found


def withdraw_agreements(programme: Programme, organisation: Organisation, by: AbstractBaseUser | None) -> int:
    """Withdraw (audited, one event each) every agreement on the programme's datasets that the organisation
    received or gave. Returns how many."""
    agreements = DataSharingAgreement.objects.select_for_update(of=("self",)).filter(
        Q(partner=organisation) | Q(dataset__owner=organisation), dataset__programme=programme,
        withdrawn_at__isnull=True).select_related("dataset", "dataset__owner", "partner")
    now = timezone.now()
    count = 0
    for agreement in agreements:
        agreement.withdrawn_at = now
        agreement.save(update_fields=["withdrawn_at"])
        audit.record(None, audit.Action.DATASET_WITHDRAW, agreement.dataset, user=by, programme=programme,
                     detail={"agreement": agreement.pk, "partner": agreement.partner.name,
                             "reason": "partnership ended"})
        count += 1
    return count


def _drop_programme_roles(programme: Programme, organisation: Organisation) -> None:
    """The programme roles of the organisation's people go, unless they belong to one of the programme's
    remaining organisations too."""
    remaining = [o.pk for o in programme.organisations()]
    theirs = Membership.objects.filter(organisation=organisation).values("user")
    inside = Membership.objects.filter(organisation__in=remaining).values("user")
    Membership.objects.filter(programme=programme, user__in=theirs).exclude(user__in=inside).delete()


def seed_accepted(programme: Programme, organisation: Organisation) -> Partnership:
    """An accepted partnership without an invitation: for the demo seed and test fixtures only (what the
    migration did for existing partners). Never reachable from a page."""
    reason = refusal(programme, organisation)
    if reason:
        raise PartnershipError(reason)
    now = timezone.now()
    return Partnership.objects.create(programme=programme, organisation=organisation, state=State.ACCEPTED,
                                      invited_at=now, expires=now, answered_at=now)

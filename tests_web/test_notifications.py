"""Notifications: in the app and by e-mail, in the recipient's language, for what they must know."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from impactlab_web.jobs.registry import register
from impactlab_web.jobs.runner import enqueue, run_pending
from impactlab_web.notifications.models import Notification
from impactlab_web.organisations.models import Profile, Role
from impactlab_web.review import sharing
from tests_web import review_world
from tests_web.conftest import World


@register("test-notify-ok")
def _ok(params: dict, progress) -> dict:
    return {"fine": True}


@register("test-notify-fail")
def _fail(params: dict, progress) -> dict:
    raise RuntimeError("boom")


def maker(world: World) -> User:
    """The researcher who generated the test report, with an e-mail address and Dutch as language."""
    user = world.user(Role.RESEARCHER, "own")
    User.objects.filter(pk=user.pk).update(email="maker@welzijn.test")
    Profile.objects.filter(user=user).update(language="nl")
    report = review_world.report(world)
    report.created_by = user
    report.save(update_fields=["created_by"])
    return User.objects.get(pk=user.pk)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_disputed_outcome_reaches_the_report_maker_in_the_app_and_by_mail(
        world: World, django_capture_on_commit_callbacks) -> None:
    user = maker(world)
    reviewer = world.user(Role.REVIEWER, "own")
    with django_capture_on_commit_callbacks(execute=True):
        sharing.add_comment(review_world.report(world), "outcome", "less_lonely", "Herken ik niet.", "disagree",
                            user=reviewer)
    note = Notification.objects.get(user=user)
    assert note.kind == Notification.Kind.DISPUTED and note.read_at is None
    assert "less_lonely" in note.title and "betwist" in note.title  # Dutch: the maker's language
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["maker@welzijn.test"]
    assert note.link in mail.outbox[0].body and "Herken ik niet" not in mail.outbox[0].body
    # the flag: on the report list, the cycle page and the overview
    client = client_of(user)
    programme = world.programme
    for url in (reverse("review:reports", args=[programme.pk]),
                reverse("review:cycle", args=[programme.pk, review_world.cycle(world).number]),
                reverse("programmes:detail", args=[programme.pk])):
        page = client.get(url).content.decode()
        assert "flag-disputed" in page and "betwist" in page, url
    # resolved: no flag any more
    sharing.mark_resolved(note_comment := review_world.report(world).comments.get(verdict="disagree"), user)
    assert note_comment.resolved
    assert "flag-disputed" not in client.get(reverse("programmes:detail", args=[programme.pk])).content.decode()


def test_a_comment_and_an_answer_reach_the_other_side_but_never_the_writer(
        world: World, django_capture_on_commit_callbacks) -> None:
    user = maker(world)
    reviewer = world.user(Role.REVIEWER, "own")
    User.objects.filter(pk=reviewer.pk).update(email="reviewer@gemeente.test")
    reviewer.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        comment = sharing.add_comment(review_world.report(world), "section", "summary", "Mooi.", user=reviewer)
        sharing.answer(comment, "Dank je.", user)
        sharing.add_comment(review_world.report(world), "section", "summary", "Eigen notitie.", user=user)
    assert list(Notification.objects.filter(user=user).values_list("kind", flat=True)) == ["comment"]
    assert list(Notification.objects.filter(user=reviewer).values_list("kind", flat=True)) == ["answer"]
    assert sorted(m.to[0] for m in mail.outbox) == ["maker@welzijn.test", "reviewer@gemeente.test"]


@pytest.mark.parametrize(("kind", "expected"), [("test-notify-ok", "job_done"), ("test-notify-fail", "job_failed")])
def test_the_starter_hears_when_a_job_ends(world: World, kind: str, expected: str) -> None:
    starter = world.user(Role.RESEARCHER, "own")
    job = enqueue(kind, {}, starter, world.programme)
    run_pending()
    note = Notification.objects.get(user=starter)
    assert note.kind == expected and note.link == reverse("jobs:status", args=[world.programme.pk, job.pk])
    assert not Notification.objects.exclude(user=starter).exists()


def test_an_existing_account_invited_elsewhere_sees_it_in_the_app(world: World) -> None:
    other = world.user(Role.RESEARCHER, "foreign")
    User.objects.filter(pk=other.pk).update(email="ook@elders.test")
    admin = client_of(world.user(Role.ADMINISTRATOR, "own"))
    admin.post(reverse("people:list", args=[world.own.pk]), {"email": "ook@elders.test", "role": "viewer",
                                                             "language": "en"})
    note = Notification.objects.get(user=other)
    assert note.kind == "invitation" and world.own.name in note.title and note.link == ""
    assert len(mail.outbox) == 1  # the invitation itself; the notice sends no second e-mail


def test_one_reads_and_opens_only_ones_own_notifications(world: World) -> None:
    user = maker(world)
    mine = Notification.objects.create(user=user, kind="comment", title="Nieuw commentaar",
                                       link=reverse("review:reports", args=[world.programme.pk]))
    theirs = Notification.objects.create(user=world.user(Role.VIEWER, "own"), kind="comment", title="Niet voor jou")
    client = client_of(user)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Nieuw commentaar" in page and "Niet voor jou" not in page
    assert 'class="count-badge"' in client.get(reverse("programmes:home")).content.decode()
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    opened = client.post(reverse("notifications:open", args=[mine.pk]))
    assert opened.status_code == 302 and opened.url == mine.link
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'class="count-badge"' not in client.get(reverse("programmes:home")).content.decode()
    Notification.objects.create(user=user, kind="comment", title="Nog een")
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs.pk).read_at is None

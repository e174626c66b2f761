"""The person's own notifications: the list, opening one (read, then on to where it points), all read."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from impactlab_web.core.permissions import any_user
from impactlab_web.notifications.models import Notification


@any_user
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(Notification.objects.filter(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@any_user
@require_POST
def notification_open(request: HttpRequest, notification: int) -> HttpResponse:
    found = get_object_or_404(Notification, pk=notification, user=request.user)
    if found.read_at is None:
        Notification.objects.filter(pk=found.pk).update(read_at=timezone.now())
    if found.link and url_has_allowed_host_and_scheme(found.link, {request.get_host()}):
        return redirect(found.link)
    return redirect("notifications:list")


@any_user
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications:list")

"""Django's admin is for the installation's superusers only, past their second factor, and shows no client data."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from impactlab_web.core.admin import site
from impactlab_web.organisations.models import Role
from tests_web.conftest import SCOPES, World


def admin_urls() -> list[str]:
    """The admin's index, each app's index, and each registered model's list and add page."""
    urls = {reverse("admin:index")}
    for model in site._registry:
        meta = model._meta
        urls |= {reverse("admin:app_list", args=[meta.app_label]),
                 reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"),
                 reverse(f"admin:{meta.app_label}_{meta.model_name}_add")}
    return sorted(urls)


def test_no_role_of_any_organisation_reaches_the_admin(world: World) -> None:
    urls = admin_urls()
    assert len(urls) > 10
    for role in Role:
        for scope in SCOPES:
            user = world.user(role, scope)
            User.objects.filter(pk=user.pk).update(is_staff=True)  # staff status alone is not enough
            client = Client()
            client.force_login(user)
            for url in urls:
                assert client.get(url, follow=True).status_code == 403, (role, url)
    for url in urls:
        page = Client().get(url, follow=True)
        assert page.status_code == 200 and page.redirect_chain[-1][0].startswith(reverse("accounts:login"))


def test_a_superuser_manages_organisations_and_people(world: World) -> None:
    root = User.objects.create_superuser("root", password="correct-horse-battery")
    client = Client()
    client.force_login(root)
    for url in admin_urls():
        assert client.get(url).status_code in (200, 403), url  # 403: read-only models have no add page
    page = client.get(reverse("admin:organisations_organisation_changelist")).content.decode()
    assert world.own.name in page


def test_a_superuser_with_a_second_factor_must_give_it_first(world: World) -> None:
    root = User.objects.create_superuser("root", password="correct-horse-battery")
    TOTPDevice.objects.create(user=root, name="app", confirmed=True)
    client = Client()
    client.force_login(root)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify"))


@pytest.mark.parametrize("model", ["response", "registration", "document", "coding", "datasetrecord", "draft"])
def test_the_admin_shows_no_client_data(model: str) -> None:
    assert all(m._meta.model_name != model for m in site._registry)

"""Django's admin, for the installation's superusers only: organisations, accounts and roles; never client data.

Least privilege: the admin lists organisations, people, their roles, invitations, two-factor rules, sessions,
jobs and the audit trail (the last four read-only), but no answers, registrations, documents or snapshots:
those are reached through the app, under the permission policy and the audit trail. Logging in goes through
the app's own login (django-axes throttling, the second factor).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from impactlab_web.accounts.models import TwoFactorRule, UserSession
from impactlab_web.core.models import AuditEvent
from impactlab_web.jobs.models import Job
from impactlab_web.organisations.models import Invitation, Membership, Organisation, Profile
from impactlab_web.programmes.models import Partnership, Programme


class InstallationAdmin(admin.AdminSite):
    site_header = site_title = "impactlab"
    index_title = "Installation"

    def has_permission(self, request: HttpRequest) -> bool:
        """Superusers only (staff status alone is not enough), active and past their second factor."""
        user = request.user
        from impactlab_web.accounts import twofactor

        verified = twofactor.passed(request) if hasattr(user, "is_verified") else True

        return bool(user.is_active and user.is_superuser and (verified or not twofactor.enrolled(user)))

    def login(self, request: HttpRequest, extra_context=None):
        """The app's login page (throttled, with the second factor), then back here; a signed-in person who is
        no superuser is refused (403), never sent round to log in again."""
        if request.user.is_authenticated:
            raise PermissionDenied
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")


site = InstallationAdmin(name="admin")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "organisation", "programme")


class PersonAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_filter = ("is_active", "is_superuser")


@admin.register(Organisation, site=site)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    list_display = ("name", "kind")


@admin.register(Programme, site=site)
class ProgrammeAdmin(admin.ModelAdmin):
    search_fields = ("name",)
    list_display = ("name", "lead", "archived_at")
    fields = ("name", "lead")  # partners join with their own consent (the Partners page), never here


@admin.register(Partnership, site=site)
class PartnershipAdmin(ReadOnly):
    list_display = ("programme", "organisation", "state", "invited_at", "answered_at", "ended_at")
    list_filter = ("state",)
    exclude = ("code_sha256",)


@admin.register(Membership, site=site)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organisation", "programme")
    list_filter = ("role",)
    search_fields = ("user__username", "organisation__name", "programme__name")


@admin.register(Profile, site=site)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")


@admin.register(Invitation, site=site)
class InvitationAdmin(ReadOnly):
    list_display = ("email", "organisation", "role", "expires", "accepted_at", "cancelled_at")
    exclude = ("token_sha256",)


@admin.register(TwoFactorRule, site=site)
class TwoFactorRuleAdmin(admin.ModelAdmin):
    list_display = ("organisation", "required", "changed", "changed_by")


@admin.register(UserSession, site=site)
class UserSessionAdmin(ReadOnly):
    list_display = ("user", "created", "last_seen", "ip")


@admin.register(Job, site=site)
class JobAdmin(ReadOnly):
    list_display = ("pk", "kind", "status", "created", "finished")
    list_filter = ("kind", "status")
    exclude = ("params", "result")  # file paths and figures: the app shows them to whom may see them


@admin.register(AuditEvent, site=site)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "username", "organisation_name", "programme_name", "action", "object_type", "object_id")
    list_filter = ("action",)


site.register(User, PersonAdmin)
site.register(Group, GroupAdmin)

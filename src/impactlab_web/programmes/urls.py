"""URLs of programmes, their partners and the model editor (three namespaces: programmes, partners, editor)."""

from __future__ import annotations

from django.urls import include, path

from impactlab_web.programmes.views import editor, partners, programmes

P = "programmes/<int:programme>/"

programme_urls = ([
    path("", programmes.home, name="home"),
    path("programmes/new/", programmes.create, name="create"),
    path(P, programmes.detail, name="detail"),
    path(P + "theory-of-change/", programmes.theory_of_change, name="theory_of_change"),
    path(P + "settings/", programmes.settings, name="settings"),
    path(P + "archive/", programmes.archive, name="archive"),
    path(P + "unarchive/", programmes.unarchive, name="unarchive"),
    path(P + "delete/", programmes.delete, name="delete"),
], "programmes")

partner_urls = ([
    path(P + "partners/", partners.partner_list, name="list"),
    path(P + "partners/invite/", partners.invite, name="invite"),
    path(P + "partners/code/", partners.make_code, name="code"),
    path(P + "partners/<int:partnership>/end/", partners.end, name="end"),
    path(P + "leave/", partners.leave, name="leave"),
    path("partnerships/", partners.inbox, name="inbox"),
    path("partnerships/code/", partners.redeem, name="redeem"),
    path("partnerships/<int:partnership>/accept/", partners.accept, name="accept"),
    path("partnerships/<int:partnership>/decline/", partners.decline, name="decline"),
], "partners")

editor_urls = ([
    path(P + "model/", editor.edit, name="edit"),
    path(P + "model/save/", editor.save, name="save"),
    path(P + "model/check/", editor.check, name="check"),
    path(P + "model/check/<uuid:job>/", editor.check_status, name="check_status"),
    path(P + "model/import/", editor.upload, name="import"),
    path(P + "model/export.yaml", editor.export, name="export"),
    path(P + "model/versions/", editor.versions, name="versions"),
    path(P + "model/versions/<int:number>/", editor.version, name="version"),
    path(P + "model/versions/<int:number>/publish/", editor.publish, name="publish"),
    path(P + "model/compare/", editor.compare, name="compare"),
    path(P + "model/settings/", editor.settings, name="settings"),
    path(P + "model/proxy-search/", editor.proxy_search, name="proxy_search"),
    path(P + "model/parts/<str:section>/", editor.parts, name="parts"),
    path(P + "model/parts/<str:section>/new/", editor.part_new, name="part_new"),
    path(P + "model/parts/<str:section>/<str:item>/", editor.part_edit, name="part_edit"),
    path(P + "model/parts/<str:section>/<str:item>/remove/", editor.part_remove, name="part_remove"),
], "editor")

urlpatterns = [path("", include(programme_urls)), path("", include(partner_urls)), path("", include(editor_urls))]

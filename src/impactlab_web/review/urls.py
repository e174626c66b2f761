"""URLs of learning cycles, reports and review (namespace ``review``); personal links under ``shared/``."""

from django.urls import path

from impactlab_web.review import views

P = "programmes/<int:programme>/"
C = P + "cycles/<int:cycle>/"
R = P + "reports/<int:report>/"

app_name = "review"
urlpatterns = [
    path(P + "cycles/", views.cycles, name="cycles"),
    path(P + "cycles/new/", views.cycle_create, name="cycle_create"),
    path(P + "cycles/compare/", views.cycle_compare, name="cycle_compare"),
    path(C, views.cycle_detail, name="cycle"),
    path(C + "edit/", views.cycle_edit, name="cycle_edit"),
    path(C + "phases/<slug:phase>/", views.phase_update, name="phase"),
    path(C + "freeze/", views.cycle_freeze, name="cycle_freeze"),
    path(C + "finish/", views.cycle_finish, name="cycle_finish"),
    path(C + "datasets/", views.cycle_datasets, name="cycle_datasets"),
    path(C + "reports/new/", views.report_generate, name="report_generate"),
    path(P + "reports/", views.reports, name="reports"),
    path(R, views.report, name="report"),
    path(R + "file/<slug:fmt>/", views.report_file, name="report_file"),
    path(R + "shares/", views.share_create, name="share_create"),
    path(P + "shares/<int:share>/revoke/", views.share_revoke, name="share_revoke"),
    path(R + "comments/", views.comment_create, name="comment"),
    path(P + "comments/<int:comment>/answer/", views.comment_answer, name="comment_answer"),
    path("shared/<str:token>/", views.shared_report, name="shared"),
    path("shared/<str:token>/comments/", views.shared_comment, name="shared_comment"),
    path("shared/<str:token>/file/<slug:fmt>/", views.shared_file, name="shared_file"),
]

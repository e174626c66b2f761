"""URLs of the qualitative area, namespace `qualitative`, all inside a programme."""

from django.urls import path

from impactlab_web.qualitative import views

Q = "programmes/<int:programme>/qualitative/"
D = Q + "documents/<int:qdoc>/"

app_name = "qualitative"
urlpatterns = [
    path(Q, views.index, name="index"),
    path(Q + "colours.css", views.colours, name="colours"),
    path(Q + "upload/", views.upload, name="upload"),
    path(D, views.document, name="document"),
    path(D + "code/", views.code_passage, name="code"),
    path(D + "uncode/", views.uncode, name="uncode"),
    path(D + "coding-memo/", views.coding_memo, name="coding_memo"),
    path(D + "memo/", views.document_memo, name="document_memo"),
    path(Q + "codebook/", views.codebook, name="codebook"),
    path(Q + "codebook/new/", views.code_new, name="code_new"),
    path(Q + "codebook/<int:qcode>/", views.code_edit, name="code_edit"),
    path(Q + "codebook/<int:qcode>/merge/", views.code_merge, name="code_merge"),
    path(Q + "analysis/", views.analysis, name="analysis"),
    path(Q + "agreement/", views.agreement, name="agreement"),
    path(Q + "quotes/", views.quotes, name="quotes"),
    path(Q + "quotes/link/", views.link, name="link"),
    path(Q + "quotes/unlink/", views.unlink, name="unlink"),
    path(Q + "export.qdpx", views.export, name="export"),
]

"""URLs of the data app: uploads, datasets and their snapshots, data-sharing agreements, erasure."""

from __future__ import annotations

from django.urls import path

from impactlab_web.data.views import datasets, erasure, uploads

app_name = "data"
P = "programmes/<int:programme>/"

urlpatterns = [
    path(P + "data/", datasets.dataset_list, name="list"),
    path(P + "data/<int:dataset>/", datasets.dataset_detail, name="detail"),
    path(P + "data/<int:dataset>/delete/", erasure.delete_snapshot, name="delete_snapshot"),
    path(P + "data/<int:dataset>/delete-dataset/", erasure.delete_dataset, name="delete_dataset"),
    path(P + "data/erasure/", erasure.erasure, name="erasure"),
    path(P + "data/upload/", uploads.upload_new, name="upload_new"),
    path(P + "data/uploads/<uuid:upload>/", uploads.upload_detail, name="upload"),
    path(P + "data/uploads/<uuid:upload>/status/", uploads.upload_status, name="upload_status"),
    path(P + "data/uploads/<uuid:upload>/discard/", uploads.upload_discard, name="upload_discard"),
    path(P + "data/<int:dataset>/agreements/new/", uploads.agreement_new, name="agreement_new"),
    path(P + "data/agreements/<int:agreement>/withdraw/", uploads.agreement_withdraw, name="agreement_withdraw"),
]

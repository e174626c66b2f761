from django.urls import path

from impactlab_web.jobs import views

urlpatterns = ([
    path("programmes/<int:programme>/jobs/<uuid:job>/", views.status, name="status"),
], "jobs")

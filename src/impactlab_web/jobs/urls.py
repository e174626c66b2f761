from django.urls import path

from impactlab_web.jobs import views

app_name = "jobs"
urlpatterns = [
    path("programmes/<int:programme>/jobs/<uuid:job>/", views.status, name="status"),
]

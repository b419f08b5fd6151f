from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="home"),
    path("template/", views.template_download, name="template"),
    path("history/", views.history, name="history"),
    path("<int:pk>/", views.job_detail, name="job"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/annotated/", views.annotated_download, name="annotated"),
    path("<int:pk>/run/", views.job_run, name="run"),
]

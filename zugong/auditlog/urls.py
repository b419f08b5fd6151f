from django.urls import path

from . import views

app_name = "auditlog"
urlpatterns = [
    path("", views.event_list, name="list"),
    path("export/", views.event_export, name="export"),
    path("<int:pk>/", views.event_detail, name="detail"),
]

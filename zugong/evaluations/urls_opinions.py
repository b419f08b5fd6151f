"""征求意见 and 整改 pages, mounted at /evaluations/issues/ (namespace "opinions"): the 问题清单 and its two
Excel exports (问题清单, 整改清单), one issue and its steps, and the opinions it is made of."""

from django.urls import path

from . import views_opinions as views

app_name = "opinions"
urlpatterns = [
    path("", views.issue_list, name="issue_list"),
    path("export/", views.issue_export, name="issue_export"),
    path("export/rectification/", views.rectification_export, name="rectification_export"),
    path("new/", views.issue_create, name="issue_create"),
    path("<int:pk>/", views.issue_detail, name="issue_detail"),
    path("<int:pk>/edit/", views.issue_edit, name="issue_edit"),
    path("<int:pk>/start/", views.issue_start, name="issue_start"),
    path("<int:pk>/close/", views.issue_close, name="issue_close"),
    path("<int:pk>/reopen/", views.issue_reopen, name="issue_reopen"),
    path("<int:pk>/evidence/", views.issue_evidence, name="issue_evidence"),
    path("opinions/", views.opinion_list, name="opinion_list"),
    path("opinions/new/", views.opinion_create, name="opinion_create"),
    path("opinions/import/", views.opinion_import, name="opinion_import"),
    path("opinions/<int:pk>/", views.opinion_detail, name="opinion_detail"),
]

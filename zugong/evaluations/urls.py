"""测评 pages, mounted at /evaluations/ (namespace "evaluations"): the staff pages (``views``: list, create,
one evaluation, codes, going live, results and its Word report and Excel of ballots). The voting pages
are public (no login) at /v/ (``urls_vote``)."""

from django.urls import path

from . import views

app_name = "evaluations"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("new/", views.evaluation_create, name="create"),
    path("forms/", views.templates, name="templates"),
    path("forms/new/", views.template_create, name="template_create"),
    path("forms/<int:pk>/", views.template_edit, name="template_edit"),
    path("<int:pk>/", views.evaluation_detail, name="detail"),
    path("<int:pk>/codes/", views.codes_issue, name="codes_issue"),
    path("<int:pk>/codes/void/", views.code_void, name="code_void"),
    path("<int:pk>/live/", views.go_live, name="go_live"),
    path("<int:pk>/archive/", views.evaluation_archive, name="archive"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/results/scores/", views.report_scores, name="report_scores"),
    path("<int:pk>/results/weights/", views.report_config, name="report_config"),
    path("<int:pk>/results/report/", views.results_report, name="results_report"),
    path("<int:pk>/results/ballots/", views.ballots_export, name="ballots_export"),
]

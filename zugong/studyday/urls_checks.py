"""笔记抽查, 三会一课 compliance and 学习计划执行 pages, mounted at /studyday/checks/ (namespace "studychecks")."""

from django.urls import path

from . import views_adherence as adherence
from . import views_checks as checks
from . import views_compliance as compliance

app_name = "studychecks"
urlpatterns = [
    path("", checks.check_list, name="list"),
    path("new/", checks.check_create, name="create"),
    path("results/", checks.results, name="results"),
    path("results/export/", checks.results_export, name="results_export"),
    path("items/<int:pk>/", checks.item_grade, name="grade"),
    path("compliance/", compliance.compliance_list, name="compliance"),
    path("compliance/export/", compliance.compliance_export, name="compliance_export"),
    path("compliance/requirements/", compliance.requirements, name="requirements"),
    path("adherence/", adherence.adherence_list, name="adherence"),
    path("adherence/export/", adherence.adherence_export, name="adherence_export"),
    path("<int:pk>/", checks.check_detail, name="detail"),
    path("<int:pk>/export/", checks.check_export, name="export"),
    path("<int:pk>/verify/", checks.check_verify, name="verify"),
    path("<int:pk>/finish/", checks.check_finish, name="finish"),
]

"""党费报表, included by ``zugong.dues.urls`` under "reports/" in the "dues" namespace (no app_name here)."""

from django.urls import path

from . import views_reports as views

urlpatterns = [
    path("month/", views.month_report, name="report_month"),
    path("month/export/", views.month_export, name="report_month_export"),
    path("month/<int:pk>/", views.month_report, name="report_month_org"),
    path("month/<int:pk>/export/", views.month_export, name="report_month_org_export"),
    path("arrears/", views.arrears_report, name="report_arrears"),
    path("arrears/export/", views.arrears_export, name="report_arrears_export"),
    path("remittance/", views.remittance_report, name="report_remittance"),
    path("remittance/export/", views.remittance_export, name="report_remittance_export"),
    path("statement/<int:pk>/", views.statement, name="report_statement"),
    path("statement/<int:pk>/export/", views.statement_export, name="report_statement_export"),
]

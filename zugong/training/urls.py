"""The 累计学分制 pages, mounted at /training/ (namespace "training"). Progress and reports are in
``views_progress``, claims and the cadre's own page in ``views_claims``, the catalogue, attendance and
manual entries in ``views_catalogue``, the rules and the online academy's import in ``views_rules``."""

from django.urls import path

from . import views_catalogue, views_claims, views_progress, views_rules

app_name = "training"
urlpatterns = [
    # progress (views_progress)
    path("", views_progress.overview, name="overview"),
    path("cadres/", views_progress.progress, name="progress"),
    path("cadres/export/", views_progress.progress_export, name="progress_export"),
    path("cadre/<int:pk>/", views_progress.cadre, name="cadre"),
    path("units/", views_progress.units, name="units"),
    path("units/export/", views_progress.units_export, name="units_export"),
    path("shortfall/", views_progress.shortfall, name="shortfall"),
    path("shortfall/remind/", views_progress.shortfall_remind, name="shortfall_remind"),
    path("shortfall/export/", views_progress.shortfall_export, name="shortfall_export"),
    path("report/year-end/", views_progress.year_end_export, name="year_end_export"),
    # catalogue, attendance, manual entries (views_catalogue)
    path("activities/", views_catalogue.activities, name="activities"),
    path("activities/export/", views_catalogue.activities_export, name="activities_export"),
    path("activities/new/", views_catalogue.activity_create, name="activity_create"),
    path("activity/<int:pk>/", views_catalogue.activity, name="activity"),
    path("activity/<int:pk>/edit/", views_catalogue.activity_edit, name="activity_edit"),
    path("activity/<int:pk>/archive/", views_catalogue.activity_archive, name="activity_archive"),
    path("activity/<int:pk>/attendance/", views_catalogue.activity_attendance, name="activity_attendance"),
    path("cadre/<int:pk>/entry/", views_catalogue.entry_add, name="entry_add"),
    path("entry/<int:pk>/archive/", views_catalogue.entry_archive, name="entry_archive"),
    # claims (views_claims)
    path("claims/", views_claims.claims, name="claims"),
    path("claim/<int:pk>/", views_claims.claim, name="claim"),
    path("claim/<int:pk>/decide/", views_claims.claim_decide, name="claim_decide"),
    path("claim/<int:pk>/evidence/", views_claims.claim_evidence, name="claim_evidence"),
    path("claim/<int:pk>/withdraw/", views_claims.claim_withdraw, name="claim_withdraw"),
    path("mine/", views_claims.mine, name="mine"),
    path("mine/claim/", views_claims.claim_submit, name="claim_submit"),
    # rules and the import (views_rules)
    path("rules/", views_rules.rule_sets, name="rule_sets"),
    path("rules/new/", views_rules.rule_set_create, name="rule_set_create"),
    path("rules/<int:year>/", views_rules.rule_set, name="rule_set"),
    path("rules/<int:year>/close/", views_rules.rule_set_close, name="rule_set_close"),
    path("rules/<int:year>/recompute/", views_rules.rule_set_recompute, name="rule_set_recompute"),
    path("import/", views_rules.import_view, name="import"),
    path("import/template/", views_rules.import_template, name="import_template"),
    path("import/batches/", views_rules.import_batches, name="import_batches"),
]

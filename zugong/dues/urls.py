from django.urls import include, path

from . import views, views_person, views_review

app_name = "dues"
urlpatterns = [
    path("", views.ledger_list, name="ledger"),
    path("export/", views.ledger_export, name="ledger_export"),
    path("generate/", views.ledger_generate, name="ledger_generate"),
    path("bulk-pay/", views.ledger_bulk_pay, name="ledger_bulk_pay"),
    path("mine/", views.mine, name="mine"),
    path("rules/", views.rule_set_list, name="rule_sets"),
    path("rules/new/", views.rule_set_create, name="rule_set_create"),
    path("person/<int:pk>/", views_person.person_dues, name="person"),
    path("person/<int:pk>/category/", views_person.person_category, name="person_category"),
    path("person/<int:pk>/base/", views_person.person_base, name="person_base"),
    path("person/<int:pk>/pay/", views_person.person_pay, name="person_pay"),
    path("person/<int:pk>/voluntary/", views_person.person_voluntary, name="person_voluntary"),
    path("person/<int:pk>/prepay/", views_person.person_prepay, name="person_prepay"),
    path("person/<int:pk>/reduction/", views_person.person_reduction, name="person_reduction"),
    path("person/<int:pk>/remind/", views_person.person_remind, name="person_remind"),
    path("payment/<int:pk>/receipt/", views_person.receipt, name="receipt"),
    path("payment/<int:pk>/reverse/", views_person.payment_reverse, name="payment_reverse"),
    path("payment/<int:pk>/decide/", views_review.prepay_decide, name="prepay_decide"),
    path("reduction/<int:pk>/decide/", views_review.reduction_decide, name="reduction_decide"),
    path("approvals/", views_review.approvals, name="approvals"),
    path("lapses/", views_review.lapse_list, name="lapses"),
    path("lapses/flag/", views_review.lapse_flag, name="lapse_flag"),
    path("lapse/<int:pk>/decide/", views_review.lapse_decide, name="lapse_decide"),
    path("lapse/<int:pk>/approve/", views_review.lapse_approve, name="lapse_approve"),
    path("reports/", include("zugong.dues.urls_reports")),
]

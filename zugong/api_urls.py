"""The REST API under /api/: one router for the domain viewsets, plus the current user, token login,
the OpenAPI schema and its Swagger UI (assets served locally from drf-spectacular-sidecar)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from zugong.accounts.api import MeView, TokenLoginView
from zugong.auditlog.api import AuditEventViewSet
from zugong.dues.api import DuesProfileViewSet, IncomeBaseViewSet, LedgerEntryViewSet, PaymentViewSet
from zugong.dues.api_more import DuesReportViewSet, LapseCaseViewSet, ReductionViewSet, ReminderViewSet
from zugong.evaluations.api import EvaluationViewSet
from zugong.evaluations.api_opinions import IssueViewSet, OpinionViewSet
from zugong.orgs.api import LeadershipTeamViewSet, OrganizationViewSet, UnitViewSet
from zugong.people.api import PersonViewSet, TransferViewSet
from zugong.studyday import api as studyday_api
from zugong.studyday import api_checks as studyday_api_checks
from zugong.studyday import api_materials as studyday_api_materials
from zugong.studyday import api_mine as studyday_api_mine
from zugong.training.api import ActivityViewSet, ClaimViewSet, EntryViewSet
from zugong.training.api_actions import ImportBatchViewSet
from zugong.training.api_actions import ReminderViewSet as TrainingReminderViewSet
from zugong.training.api_more import RuleSetViewSet, TrainingReportViewSet, YearViewSet

router = DefaultRouter()
router.root_view_name = "api-root"
router.register("organizations", OrganizationViewSet, basename="api-organization")
router.register("units", UnitViewSet, basename="api-unit")
router.register("leadership-teams", LeadershipTeamViewSet, basename="api-leadership-team")
router.register("people", PersonViewSet, basename="api-person")
router.register("transfers", TransferViewSet, basename="api-transfer")
router.register("dues/ledger", LedgerEntryViewSet, basename="api-dues-ledger")
router.register("dues/payments", PaymentViewSet, basename="api-dues-payment")
router.register("dues/profiles", DuesProfileViewSet, basename="api-dues-profile")
router.register("dues/income-bases", IncomeBaseViewSet, basename="api-dues-income-base")
router.register("dues/reductions", ReductionViewSet, basename="api-dues-reduction")
router.register("dues/lapse-cases", LapseCaseViewSet, basename="api-dues-lapse-case")
router.register("dues/reminders", ReminderViewSet, basename="api-dues-reminder")
router.register("dues/reports", DuesReportViewSet, basename="api-dues-report")
router.register("training/activities", ActivityViewSet, basename="api-training-activity")
router.register("training/entries", EntryViewSet, basename="api-training-entry")
router.register("training/years", YearViewSet, basename="api-training-year")
router.register("training/claims", ClaimViewSet, basename="api-training-claim")
router.register("training/rule-sets", RuleSetViewSet, basename="api-training-rule-set")
router.register("training/reports", TrainingReportViewSet, basename="api-training-report")
router.register("training/imports", ImportBatchViewSet, basename="api-training-import")
router.register("training/reminders", TrainingReminderViewSet, basename="api-training-reminder")
router.register("evaluations/opinions", OpinionViewSet, basename="api-evaluation-opinion")
router.register("evaluations/issues", IssueViewSet, basename="api-evaluation-issue")
router.register("evaluations", EvaluationViewSet, basename="api-evaluation")
for module in (studyday_api, studyday_api_mine, studyday_api_checks, studyday_api_materials):
    module.register(router)
router.register("audit-events", AuditEventViewSet, basename="api-audit-event")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]

"""API of 党费, continued: reductions (减免), lapse cases (连续未交预警), reminders (催缴) and the reports
(月度收缴, 欠交名单, 上缴党费, 个人年度党费明细). Writes go through ``services``; reports come from the same
``selectors`` as the pages. As on the pages, reductions, lapse cases, reminders and the organization reports
are for users holding a grant (not a plain 党员); a member reads their own annual statement."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.api import ScopedPrimaryKeyField, ScopedViewSetMixin, api_validation_error
from zugong.core.roles import Action
from zugong.core.scope import get_object_for_user, grant_paths
from zugong.orgs.models import Organization
from zugong.people.models import Person

from . import rules, selectors, services
from .api import DecideSerializer, MonthField
from .filters import LapseFilter
from .models import LapseCase, Reduction, Reminder
from .money import MAX_FEN

FIRST_YEAR = 2008  # as the report pages


class StaffOnlyMixin:
    """Only users with a grant over some organization (the pages' ``require_staff``): a plain 党员 gets 403."""

    staff_message = "您没有访问党费管理记录的权限。"

    def check_permissions(self, request):
        super().check_permissions(request)
        if not grant_paths(request.user, Action.VIEW):
            self.permission_denied(request, message=self.staff_message)


# --- reductions --------------------------------------------------------------------------------------


class ReductionSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    org = serializers.IntegerField(source="person.org_id", read_only=True)
    org_name = serializers.CharField(source="person.org.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    approved_by_name = serializers.CharField(source="approved_by.username", read_only=True, default=None)

    class Meta:
        model = Reduction
        fields = [
            "id",
            "person",
            "person_name",
            "org",
            "org_name",
            "amount_fen",
            "valid_from",
            "valid_to",
            "reason",
            "status",
            "status_display",
            "decided_by_name",
            "approved_by_name",
            "approved_at",
            "approval_note",
            "created_at",
        ]
        read_only_fields = fields


class ReductionCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(queryset=Person.objects.all(), label="党员")
    amount_fen = serializers.IntegerField(
        min_value=0, max_value=MAX_FEN, label="减免后每月（分）", help_text="0 表示免交"
    )
    valid_from = MonthField(label="起始月份")
    valid_to = MonthField(label="截止月份")
    reason = serializers.CharField(max_length=300, label="减免理由")


REDUCTION_QUERYSET = Reduction.objects.select_related("person__org", "decided_by", "approved_by")


@extend_schema_view(
    list=extend_schema(summary="党费减免"),
    retrieve=extend_schema(summary="党费减免详情"),
    create=extend_schema(
        summary="支部提出减免（报上级党组织审批）",
        request=ReductionCreateSerializer,
        responses={201: ReductionSerializer},
    ),
    decide=extend_schema(
        summary="审批减免（上级党组织）", request=DecideSerializer, responses=ReductionSerializer
    ),
)
@extend_schema(tags=["党费"])
class ReductionViewSet(
    StaffOnlyMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = REDUCTION_QUERYSET.order_by("-created_at", "-id")
    serializer_class = ReductionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["person", "status"]
    scope_actions = {"decide": Action.CHANGE}

    def _respond(self, reduction, status_code=status.HTTP_200_OK):
        return Response(ReductionSerializer(REDUCTION_QUERYSET.get(pk=reduction.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = ReductionCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        reduction = services.reduction_propose(actor=self.actor, **serializer.validated_data)
        return self._respond(reduction, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        reduction = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reduction = services.reduction_decide(
            actor=self.actor, reduction=reduction, **serializer.validated_data
        )
        return self._respond(reduction)


# --- lapse cases -------------------------------------------------------------------------------------


class LapseCaseSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    approved_by_name = serializers.CharField(source="approved_by.username", read_only=True, default=None)

    class Meta:
        model = LapseCase
        fields = [
            "id",
            "person",
            "person_name",
            "org",
            "org_name",
            "first_unpaid",
            "unpaid_months",
            "status",
            "status_display",
            "decision",
            "decision_display",
            "decision_note",
            "decided_by_name",
            "decided_at",
            "approved_by_name",
            "approved_at",
            "approval_note",
            "created_at",
        ]
        read_only_fields = fields


class LapseDecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=LapseCase.Decision.choices, label="支部决定")
    note = serializers.CharField(max_length=300, label="支部意见")


class LapseFlaggedSerializer(serializers.Serializer):
    as_of = serializers.DateField(label="截止月份")
    flagged = serializers.IntegerField(label="新增预警人数")


LAPSE_QUERYSET = LapseCase.objects.select_related("person", "org", "decided_by", "approved_by")


@extend_schema_view(
    list=extend_schema(summary="连续未交党费预警"),
    retrieve=extend_schema(summary="预警详情"),
    decide=extend_schema(
        summary="支部决定（有正当理由 / 按自行脱党处理）",
        request=LapseDecideSerializer,
        responses=LapseCaseSerializer,
    ),
    approve=extend_schema(
        summary="审批支部决定（上级党组织；不批准即退回）",
        request=DecideSerializer,
        responses=LapseCaseSerializer,
    ),
    flag=extend_schema(
        summary="生成本月的连续未交党费预警（授权范围内）", request=None, responses=LapseFlaggedSerializer
    ),
)
@extend_schema(tags=["党费"])
class LapseCaseViewSet(StaffOnlyMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = LAPSE_QUERYSET.order_by("-unpaid_months", "-id")
    serializer_class = LapseCaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = LapseFilter
    scope_actions = {"decide": Action.CHANGE, "approve": Action.CHANGE, "flag": Action.CHANGE}

    def _respond(self, case):
        return Response(LapseCaseSerializer(LAPSE_QUERYSET.get(pk=case.pk)).data)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        case = self.get_object()
        serializer = LapseDecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(services.lapse_decide(actor=self.actor, case=case, **serializer.validated_data))

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        case = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._respond(services.lapse_approve(actor=self.actor, case=case, **serializer.validated_data))

    @action(detail=False, methods=["post"])
    def flag(self, request):
        if not grant_paths(request.user, Action.CHANGE):
            raise PermissionDenied("您没有生成党费预警的权限。")
        month = rules.month_start(timezone.localdate())
        flagged = services.lapse_flag(actor=self.actor, as_of=month)
        return Response({"as_of": month, "flagged": flagged})


# --- reminders ---------------------------------------------------------------------------------------


class ReminderSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    sent_by_name = serializers.CharField(source="sent_by.username", read_only=True, default=None)
    months = serializers.ListField(child=serializers.DateField(), read_only=True, label="未交月份")

    class Meta:
        model = Reminder
        fields = [
            "id",
            "person",
            "person_name",
            "months",
            "owed_fen",
            "channel",
            "channel_display",
            "sent_by_name",
            "created_at",
        ]
        read_only_fields = fields


class ReminderCreateSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyField(queryset=Person.objects.all(), label="党员")
    channel = serializers.ChoiceField(choices=Reminder.Channel.choices, label="催缴方式")


REMINDER_QUERYSET = Reminder.objects.select_related("person", "sent_by")


@extend_schema_view(
    list=extend_schema(summary="党费催缴记录"),
    retrieve=extend_schema(summary="催缴记录详情"),
    create=extend_schema(
        summary="催缴（记录欠交月份与合计）",
        request=ReminderCreateSerializer,
        responses={201: ReminderSerializer},
    ),
)
@extend_schema(tags=["党费"])
class ReminderViewSet(
    StaffOnlyMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = REMINDER_QUERYSET.order_by("-created_at", "-id")
    serializer_class = ReminderSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["person", "channel"]

    def create(self, request, *args, **kwargs):
        serializer = ReminderCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        reminder = services.reminder_send(actor=self.actor, **serializer.validated_data)
        reminder = REMINDER_QUERYSET.get(pk=reminder.pk)
        return Response(ReminderSerializer(reminder).data, status=status.HTTP_201_CREATED)


# --- reports -----------------------------------------------------------------------------------------


class FiguresSerializer(serializers.Serializer):
    members = serializers.IntegerField(label="应交人数")
    due_fen = serializers.IntegerField(label="应交（分）")
    paid_fen = serializers.IntegerField(label="已交（分）")
    owed_fen = serializers.IntegerField(label="未交（分）")
    rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True, label="收缴率")
    unpaid_members = serializers.IntegerField(label="未交人数")
    missing_base = serializers.IntegerField(label="缺收入基数人数")


class MonthRowSerializer(FiguresSerializer):
    org = serializers.IntegerField(allow_null=True, label="党组织", help_text="空：组织已调整的其他记录")
    org_name = serializers.CharField(allow_null=True)
    own = serializers.BooleanField(label="本级", help_text="该组织本级直接管理的党员")


class MonthReportSerializer(serializers.Serializer):
    month = serializers.DateField()
    org = serializers.IntegerField(allow_null=True)
    org_name = serializers.CharField(allow_null=True)
    rows = MonthRowSerializer(many=True)
    total = FiguresSerializer()


class ArrearsRowSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    person_name = serializers.CharField(source="person__name")
    org_name = serializers.CharField(source="person__org__name")
    unpaid_months = serializers.IntegerField(label="欠交月数")
    consecutive = serializers.IntegerField(label="连续未交月数")
    owed_fen = serializers.IntegerField(label="欠交金额（分）")
    first_unpaid = serializers.DateField(label="首个未交月份")
    last_unpaid = serializers.DateField(label="最近未交月份")


class RemittanceRowSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org.pk")
    org_name = serializers.CharField(source="org.name")
    nested = serializers.BooleanField(help_text="包含在上一行党(工)委的数字中")
    dues_fen = serializers.IntegerField(label="党费收入（分）")
    voluntary_fen = serializers.IntegerField(label="自愿多交留存（分）")
    collected_fen = serializers.IntegerField(label="年度收缴合计（分）")
    remit_permille = serializers.IntegerField(label="上缴比例（‰）")
    remit_fen = serializers.IntegerField(label="应上缴（分）")
    to_centre_fen = serializers.IntegerField(label="上缴中央（分）")
    due_by = serializers.DateField(label="上缴截止日期")


class RemittanceTotalSerializer(serializers.Serializer):
    dues_fen = serializers.IntegerField()
    voluntary_fen = serializers.IntegerField()
    collected_fen = serializers.IntegerField()
    remit_fen = serializers.IntegerField()
    to_centre_fen = serializers.IntegerField()


class RemittanceReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    due_by = serializers.DateField()
    rows = RemittanceRowSerializer(many=True)
    total = RemittanceTotalSerializer()


class StatementMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    org = serializers.IntegerField(source="org.pk", allow_null=True, default=None)
    org_name = serializers.CharField(source="org.name", allow_null=True, default=None)
    category = serializers.CharField(label="交纳类别")
    base_fen = serializers.IntegerField(allow_null=True)
    charged = serializers.SerializerMethodField(label="有台账记录")
    due_fen = serializers.IntegerField()
    paid_fen = serializers.IntegerField()
    owed_fen = serializers.IntegerField()
    missing_base = serializers.BooleanField()
    reduced = serializers.BooleanField()
    receipts = serializers.SerializerMethodField(label="收据号")

    def get_charged(self, row) -> bool:
        return row["entry"] is not None

    def get_receipts(self, row) -> list[str]:
        return [allocation.payment.receipt_no for allocation in row["allocations"]]


class StatementPaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_no = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    amount_fen = serializers.IntegerField()
    paid_on = serializers.DateField()
    to_centre = serializers.BooleanField()


class StatementTotalsSerializer(serializers.Serializer):
    due_fen = serializers.IntegerField()
    paid_fen = serializers.IntegerField()
    owed_fen = serializers.IntegerField()
    voluntary_fen = serializers.IntegerField()
    rate = serializers.DecimalField(max_digits=8, decimal_places=4, allow_null=True)


class StatementSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    person_name = serializers.CharField(source="person.name")
    year = serializers.IntegerField()
    months = StatementMonthSerializer(many=True)
    payments = StatementPaymentSerializer(many=True)
    voluntary = StatementPaymentSerializer(many=True)
    totals = StatementTotalsSerializer()


MONTH_PARAM = OpenApiParameter("month", OpenApiTypes.STR, description="月份 YYYY-MM，默认本月")
ORG_PARAM = OpenApiParameter("org", OpenApiTypes.INT, description="党组织（含下级），默认授权范围顶层")
YEAR_PARAM = OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")
SORT_PARAM = OpenApiParameter("sort", OpenApiTypes.STR, enum=list(selectors.ARREARS_SORTS))


def _require_reports(user) -> None:
    if not grant_paths(user, Action.VIEW):
        raise PermissionDenied("您没有查看党费报表的权限。")


def _month_param(request) -> dt.date:
    raw = request.query_params.get("month", "").strip()
    this_month = rules.month_start(timezone.localdate())
    if not raw:
        return this_month
    try:
        month = dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        raise DjangoValidationError({"month": f"月份“{raw[:20]}”格式不正确，应为 YYYY-MM。"}) from None
    if not FIRST_YEAR <= month.year <= this_month.year + 1:
        raise DjangoValidationError({"month": "月份超出范围。"})
    return month


def _year_param(request) -> int:
    raw = request.query_params.get("year", "").strip()
    this_year = timezone.localdate().year
    if not raw:
        return this_year
    if not (raw.isdigit() and FIRST_YEAR <= int(raw) <= this_year):
        raise DjangoValidationError({"year": f"年份“{raw[:10]}”不正确（{FIRST_YEAR}–{this_year}）。"})
    return int(raw)


def _org_param(request) -> Organization | None:
    raw = request.query_params.get("org", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise DjangoValidationError({"org": "组织参数不正确。"})
    return get_object_for_user(request.user, Organization, Action.VIEW, pk=int(raw))


def _month_row(row: dict) -> dict:
    org = row["org"]
    return {**row, "org": org.pk if org else None, "org_name": org.name if org else None}


@extend_schema(tags=["党费报表"])
class DuesReportViewSet(viewsets.GenericViewSet):
    """Read-only reports, the same figures as the report pages (``selectors``)."""

    permission_classes = [permissions.IsAuthenticated]
    queryset = Person.objects.none()  # the schema's type of ``pk`` (a person); never read
    lookup_value_regex = r"\d+"
    serializer_class = MonthReportSerializer  # for the schema; each action names its own

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)

    @extend_schema(
        summary="月度收缴（按下一级党组织）",
        parameters=[MONTH_PARAM, ORG_PARAM],
        responses=MonthReportSerializer,
    )
    @action(detail=False, methods=["get"])
    def month(self, request):
        user = request.user
        _require_reports(user)
        month = _month_param(request)
        org = _org_param(request) or selectors.scope_top_org(user, Action.VIEW)
        rows = selectors.month_summary(user, month, org)
        data = {
            "month": month,
            "org": org.pk if org else None,
            "org_name": org.name if org else None,
            "rows": [_month_row(row) for row in rows],
            "total": selectors.summary_total(rows),
        }
        return Response(MonthReportSerializer(data).data)

    @extend_schema(
        summary="欠交名单（截至所选月份）",
        parameters=[MONTH_PARAM, ORG_PARAM, SORT_PARAM],
        responses=ArrearsRowSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def arrears(self, request):
        user = request.user
        _require_reports(user)
        as_of = _month_param(request)
        org = _org_param(request)
        sort = request.query_params.get("sort", "-consecutive")
        rows = selectors.arrears(user, as_of, org=org, sort=sort)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ArrearsRowSerializer(page, many=True).data)

    @extend_schema(
        summary="上缴党费（按党(工)委，次年 4 月底前上缴）",
        parameters=[YEAR_PARAM],
        responses=RemittanceReportSerializer,
    )
    @action(detail=False, methods=["get"])
    def remittance(self, request):
        user = request.user
        _require_reports(user)
        year = _year_param(request)
        rows = selectors.remittance(user, year)
        data = {
            "year": year,
            "due_by": dt.date(year + 1, 4, 30),
            "rows": rows,
            "total": selectors.remittance_total(rows),
        }
        return Response(RemittanceReportSerializer(data).data)

    @extend_schema(
        summary="个人年度党费明细（路径中的 id 为党员）",
        parameters=[YEAR_PARAM],
        responses=StatementSerializer,
    )
    @action(detail=True, methods=["get"])
    def statement(self, request, pk=None):
        person = get_object_for_user(request.user, Person, Action.VIEW, pk=pk)
        year = _year_param(request)
        return Response(StatementSerializer(selectors.annual_statement(person, year)).data)

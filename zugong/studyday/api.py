"""Staff API of 学习日 and 三会一课: study plans with their dates, the working-day calendar (节假日与调休, written
only by the 组织部), the attendance report (出勤率 by organization and by member). Sessions, leave requests
and notes are in ``api_sessions``; the member's own API is ``api_mine``. Reads through ``restrict``; writes
through ``services`` (refusals: 400 / 403 with the service's Chinese message)."""

from __future__ import annotations

import django_filters
from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.models import WorkdayOverride
from zugong.core.roles import Action

from . import selectors, services, services_calendar
from .api_base import (
    IdFilter,
    OrgSubtreeFilterSet,
    ServiceErrorsMixin,
    StaffPermission,
    StaffViewSetMixin,
    org_for,
    period_params,
    rate_text,
)
from .filters import YearFilter
from .models import PlanItem, StudyPlan

TAG = "星期四学习日"

# --- study plans (学习计划) ------------------------------------------------------------------------------


class PlanItemSerializer(serializers.ModelSerializer):
    moved = serializers.BooleanField(read_only=True, help_text="因节假日顺延")

    class Meta:
        model = PlanItem
        fields = ["id", "plan", "date", "scheduled", "moved", "topic", "materials"]
        read_only_fields = fields


class PlanSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    weekday_display = serializers.CharField(source="get_weekday_display", read_only=True)
    items_count = serializers.IntegerField(source="n_items", read_only=True, default=None)

    class Meta:
        model = StudyPlan
        fields = ["id", "org", "org_name", "year", "quarter", "period_label", "title", "weekday",
                  "weekday_display", "note", "items_count", "archived_at", "archived_reason", "created_at"]  # fmt: skip
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    items = PlanItemSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "items"]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    org = serializers.IntegerField(min_value=1, label="党组织")
    year = serializers.IntegerField(label="年度")
    quarter = serializers.IntegerField(required=False, allow_null=True, label="季度（不填为全年）")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, label="计划名称")
    weekday = serializers.IntegerField(required=False, default=4, label="学习日（1 星期一 … 5 星期五）")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, label="说明")


class PlanItemInputSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, label="学习日期")
    topic = serializers.CharField(max_length=200, required=False, allow_blank=True, label="学习主题")
    materials = serializers.CharField(max_length=2000, required=False, allow_blank=True, label="学习材料")


class PlanFilter(OrgSubtreeFilterSet):
    org_lookup = "org__path"
    year = django_filters.NumberFilter(label="年度", field_name="year")
    archived = django_filters.BooleanFilter(label="已归档", method="filter_archived")

    class Meta:
        model = StudyPlan
        fields = ["org", "year", "archived"]

    @property
    def qs(self):
        qs = super().qs
        if (getattr(self.form, "cleaned_data", {}) if self.is_bound else {}).get("archived") is None:
            qs = qs.filter(archived_at__isnull=True)
        return qs

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


PLAN_QUERYSET = StudyPlan.objects.select_related("org")


@extend_schema_view(
    list=extend_schema(summary="学习计划（筛选：org 含下级、year、archived）"),
    retrieve=extend_schema(summary="学习计划详情（含各学习日期）", responses=PlanDetailSerializer),
    create=extend_schema(
        summary="制定学习计划（按年或季度生成学习日期：默认每周四，遇节假日顺延至下一个工作日）",
        request=PlanCreateSerializer,
        responses={201: PlanDetailSerializer},
    ),
)
@extend_schema(tags=[TAG])
class PlanViewSet(
    StaffViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PLAN_QUERYSET.order_by("-year", "quarter", "id")
    serializer_class = PlanSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = PlanFilter

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            qs = qs.annotate(n_items=Count("items"))
        return qs.prefetch_related("items") if self.action == "retrieve" else qs

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    def create(self, request, *args, **kwargs):
        data = self._input(PlanCreateSerializer)
        org = org_for(request.user, data.pop("org"), Action.ADD)
        plan = services.create_plan(actor=self.actor, org=org, **data)
        plan = PLAN_QUERYSET.prefetch_related("items").get(pk=plan.pk)
        return Response(PlanDetailSerializer(plan).data, status=status.HTTP_201_CREATED)


class PlanItemFilter(django_filters.FilterSet):
    plan = IdFilter(label="学习计划", field_name="plan_id")

    class Meta:
        model = PlanItem
        fields = ["plan"]


@extend_schema_view(
    list=extend_schema(summary="学习日期（筛选：plan）"),
    retrieve=extend_schema(summary="一个学习日期"),
    update=extend_schema(
        summary="设置学习主题、学习材料，或改期（未给出的字段不变）",
        request=PlanItemInputSerializer,
        responses=PlanItemSerializer,
    ),
    partial_update=extend_schema(
        summary="设置学习主题、学习材料，或改期（部分字段）",
        request=PlanItemInputSerializer,
        responses=PlanItemSerializer,
    ),
)
@extend_schema(tags=[TAG])
class PlanItemViewSet(
    StaffViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PlanItem.objects.select_related("plan").order_by("date", "id")
    serializer_class = PlanItemSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = PlanItemFilter

    def update(self, request, *args, **kwargs):
        item = self.get_object()
        given = self._input(PlanItemInputSerializer, partial=True)
        data = {"date": item.date, "topic": item.topic, "materials": item.materials} | given
        item = services.plan_item_set(actor=self.actor, item=item, data=data)
        return Response(PlanItemSerializer(item).data)


# --- the working-day calendar (节假日与调休) ----------------------------------------------------------------


class WorkdaySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = WorkdayOverride
        fields = ["id", "date", "kind", "kind_display", "name"]
        read_only_fields = fields


class WorkdayInputSerializer(serializers.Serializer):
    date = serializers.DateField(label="日期")
    kind = serializers.CharField(max_length=10, label="类型：holiday（休）或 workday（调休上班）")
    name = serializers.CharField(max_length=50, label="名称，如 国庆节")


class WorkdayImportSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=20000, label="每行一天，如“2026-10-01 休 国庆节”“2026-09-27 班 国庆节调休”"
    )


class WorkdayFilter(django_filters.FilterSet):
    year = YearFilter(label="年度", field_name="date", lookup_expr="year")

    class Meta:
        model = WorkdayOverride
        fields = ["year"]


@extend_schema_view(
    list=extend_schema(summary="节假日与调休（筛选：year）"),
    retrieve=extend_schema(summary="节假日与调休的一天"),
    create=extend_schema(
        summary="设置一天（法定节假日或调休上班；已有则修改）——仅区委组织部",
        request=WorkdayInputSerializer,
        responses={201: WorkdaySerializer},
    ),
    destroy=extend_schema(summary="删除一天——仅区委组织部"),
    bulk_import=extend_schema(
        summary="按国务院通知逐行录入（先逐行校验，有错则不保存）——仅区委组织部",
        request=WorkdayImportSerializer,
        responses={201: OpenApiTypes.OBJECT},
    ),
)
@extend_schema(tags=[TAG])
class WorkdayViewSet(
    ServiceErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The district's calendar: every staff user reads it (it is the State Council's, not a branch's);
    only the 组织部 (a grant at the district root) writes it — the services refuse anyone else (403)."""

    queryset = WorkdayOverride.objects.order_by("date")
    serializer_class = WorkdaySerializer
    permission_classes = [StaffPermission]
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = WorkdayFilter
    lookup_value_regex = r"\d+"

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request, *args, **kwargs):
        services.ensure_district_office(request.user)
        row = services_calendar.workday_set(actor=request.user, **self._input(WorkdayInputSerializer))
        return Response(WorkdaySerializer(row).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.ensure_district_office(request.user)
        services_calendar.workday_remove(actor=request.user, date=self.get_object().date)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def bulk_import(self, request):
        services.ensure_district_office(request.user)
        count = services_calendar.workdays_import(
            actor=request.user, text=self._input(WorkdayImportSerializer)["text"]
        )
        return Response({"saved": count}, status=status.HTTP_201_CREATED)


# --- the attendance report (出勤率) -------------------------------------------------------------------------

PERIOD_PARAMS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="会议活动开始日期不早于"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="会议活动开始日期不晚于"),
    OpenApiParameter("org", OpenApiTypes.INT, description="只看该组织及其下级组织"),
]


def _row(row: dict, keys: dict) -> dict:
    out = {new: row[old] for old, new in keys.items()}
    out.update({k: row[k] for k in ("expected", "present", "late", "leave", "absent", "attended")})
    out["rate"] = rate_text(row["rate"])
    return out


ORG_KEYS = {"session__org_id": "org", "session__org__name": "org_name"}
PERSON_KEYS = {"person_id": "person", "person__name": "name", "person__org__name": "org_name"}


@extend_schema(tags=[TAG])
class AttendanceReportViewSet(ServiceErrorsMixin, viewsets.GenericViewSet):
    """出勤率 = (出席 + 迟到) ÷ 应到 over the sessions that have ended in the period (请假 counted apart; not
    signed in after the end is 缺席); cancelled sessions do not count. Scoped by the session's organization,
    so a member's attendance stays with the branch that held the session after a transfer."""

    queryset = StudyPlan.objects.none()  # for the schema; never read
    permission_classes = [StaffPermission]
    filter_backends = []

    def _args(self, request) -> dict:
        date_from, date_to = period_params(request)
        raw = request.query_params.get("org", "").strip()
        org = org_for(request.user, raw) if raw else None
        return {"date_from": date_from, "date_to": date_to, "org": org}

    @extend_schema(
        summary="出勤率（按举办会议活动的组织）", parameters=PERIOD_PARAMS, responses=OpenApiTypes.OBJECT
    )
    def list(self, request):
        args = self._args(request)
        rows = selectors.rates_by_org(request.user, **args)
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response(
            [_row(r, ORG_KEYS) | {"sessions": r["sessions"]} for r in page]
        )
        response.data = self._period(args) | response.data
        return response

    @extend_schema(
        summary="出勤率（按党员，姓氏笔画排序）", parameters=PERIOD_PARAMS, responses=OpenApiTypes.OBJECT
    )
    @action(detail=False, methods=["get"])
    def people(self, request):
        args = self._args(request)
        page = self.paginate_queryset(selectors.rates_by_person(request.user, **args))
        response = self.get_paginated_response([_row(r, PERSON_KEYS) for r in page])
        response.data = self._period(args) | response.data
        return response

    @staticmethod
    def _period(args: dict) -> dict:
        return {
            "date_from": args["date_from"].isoformat() if args["date_from"] else None,
            "date_to": args["date_to"].isoformat() if args["date_to"] else None,
            "org": args["org"].pk if args["org"] else None,
        }


def register(router) -> None:
    """Add this module's viewsets to the API router (called by zugong.api_urls)."""
    from . import api_sessions

    router.register("studyday/plans", PlanViewSet, basename="api-studyday-plan")
    router.register("studyday/plan-items", PlanItemViewSet, basename="api-studyday-plan-item")
    router.register("studyday/workdays", WorkdayViewSet, basename="api-studyday-workday")
    router.register(
        "studyday/attendance-report", AttendanceReportViewSet, basename="api-studyday-attendance-report"
    )
    api_sessions.register(router)

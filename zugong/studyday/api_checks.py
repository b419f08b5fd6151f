"""API of 笔记抽查 and of 三会一课 compliance (staff): the checks with their members and grades, drawing a
check and grading a member through ``services_checks``, the results by organization and the reproduction
of a draw; the compliance report and the plan adherence of a year. The same selectors as the pages. A seed is a string in JSON
(it may exceed the 2^53 a JavaScript number holds exactly)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.api import Pagination, ScopedPrimaryKeyField, ScopedViewSetMixin, api_validation_error
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.orgs.models import Organization

from . import selectors_checks as selectors
from . import services_checks as services
from .forms import MAX_ID, parse_id
from .models import SpotCheck, SpotCheckItem
from .selectors_adherence import SORTS as ADHERENCE_SORTS
from .selectors_adherence import adherence
from .selectors_adherence import filter_rows as filter_adherence
from .selectors_compliance import SORTS, compliance, filter_rows

YEAR_PARAM = OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")
NO_GRANT = "您没有办理笔记抽查和三会一课统计的权限。"


def year_param(request) -> int:
    """?year=: absent → this year; anything but a year 2000–2100 → 400."""
    raw = request.query_params.get("year", "").strip()
    if not raw:
        return timezone.localdate().year
    if not (re.fullmatch(r"[0-9]{4}", raw) and 2000 <= int(raw) <= 2100):
        raise DjangoValidationError({"year": f"年度“{raw[:10]}”不正确，应为 2000–2100 之间的四位数字。"})
    return int(raw)


class SpotCheckItemSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)

    class Meta:
        model = SpotCheckItem
        fields = ["id", "position", "person", "person_name", "org", "org_name", "grade", "grade_display",
                  "comment", "graded_by", "graded_at"]  # fmt: skip
        read_only_fields = fields


class SpotCheckSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    seed = serializers.CharField(read_only=True, help_text="随机种子（字符串形式的整数）")
    items_count = serializers.IntegerField(source="n_items", read_only=True, default=None)
    graded_count = serializers.IntegerField(source="n_graded", read_only=True, default=None)

    class Meta:
        model = SpotCheck
        fields = ["id", "title", "org", "org_name", "date_from", "date_to", "org_ids", "size", "percent", "seed",
                  "candidates", "status", "drawn_by", "drawn_at", "items_count", "graded_count"]  # fmt: skip
        read_only_fields = fields


class SpotCheckDetailSerializer(SpotCheckSerializer):
    items = serializers.SerializerMethodField()

    class Meta(SpotCheckSerializer.Meta):
        fields = [*SpotCheckSerializer.Meta.fields, "items"]
        read_only_fields = fields

    @extend_schema_field(SpotCheckItemSerializer(many=True))
    def get_items(self, obj) -> list[dict]:
        return SpotCheckItemSerializer(selectors.items_of(obj), many=True).data


class DrawSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), help_text="组织抽查的单位")
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    organizations = ScopedPrimaryKeyField(
        queryset=Organization.objects.all(), many=True, help_text="抽查范围（组织 id，含下属组织）"
    )
    size = serializers.IntegerField(required=False, allow_null=True, help_text="抽取人数（与比例二选一）")
    percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="抽取比例 %（与人数二选一）",
    )
    seed = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=services.MAX_SEED,
        help_text="随机种子；不填则随机生成并记录。可写成字符串。",
    )  # fmt: skip


class GradeSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="抽查对象 id（本次抽查的）")
    grade = serializers.ChoiceField(choices=SpotCheckItem.Grade.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StaffOnlyMixin:
    def check_permissions(self, request):
        super().check_permissions(request)
        if not grant_paths(request.user, Action.VIEW):
            self.permission_denied(request, message=NO_GRANT)


@extend_schema_view(
    list=extend_schema(summary="笔记抽查列表"),
    retrieve=extend_schema(summary="笔记抽查详情（抽中党员及评定）", responses=SpotCheckDetailSerializer),
    draw=extend_schema(summary="抽取（按人数或比例，随机种子记录在案）", request=DrawSerializer,
                       responses=SpotCheckDetailSerializer),
    grade=extend_schema(summary="评定一名党员的笔记（优/良/合格/不合格）", request=GradeSerializer,
                        responses=SpotCheckItemSerializer),
    finish=extend_schema(summary="完成抽查（全部评定后）", request=None),
    results=extend_schema(summary="本次抽查各组织结果（优良率、合格率）", responses=OpenApiTypes.OBJECT),
    verify=extend_schema(summary="验证：记录的随机种子是否重现同样的名单", responses=OpenApiTypes.OBJECT),
    yearly=extend_schema(summary="年度抽查结果（按组织）", parameters=[YEAR_PARAM], responses=OpenApiTypes.OBJECT),
)  # fmt: skip
@extend_schema(tags=["星期四学习日"])
class SpotCheckViewSet(
    StaffOnlyMixin,
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = SpotCheck.objects.select_related("org")
    serializer_class = SpotCheckSerializer
    filter_backends = []
    scope_actions = {
        "draw": Action.CHANGE,
        "grade": Action.CHANGE,
        "finish": Action.CHANGE,
        "results": Action.VIEW,
        "verify": Action.VIEW,
        "yearly": Action.VIEW,
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.checks_for(self.request.user)
        return super().get_queryset().order_by("-drawn_at", "-id")

    def get_serializer_class(self):
        return SpotCheckDetailSerializer if self.action == "retrieve" else SpotCheckSerializer

    @action(detail=False, methods=["post"])
    def draw(self, request):
        data = DrawSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        check = services.draw_spot_check(actor=self.actor, **data.validated_data)
        return Response(SpotCheckDetailSerializer(check).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def grade(self, request, pk=None):
        check = self.get_object()
        data = GradeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = SpotCheckItem.objects.filter(check_run=check, pk=data.validated_data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": "该党员不在本次抽查名单中。"})
        item = services.grade_item(
            actor=self.actor,
            item=item,
            grade=data.validated_data["grade"],
            comment=data.validated_data["comment"],
        )
        return Response(SpotCheckItemSerializer(selectors.items_of(check).get(pk=item.pk)).data)

    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        check = services.finish_check(actor=self.actor, check=self.get_object())
        return Response(SpotCheckSerializer(check).data)

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response(results_json(selectors.check_results(self.get_object())))

    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        v = selectors.verify(self.get_object())
        keys = ("same", "candidates_then", "candidates_now", "stored", "again", "differ")
        return Response({k: v[k] for k in keys})

    @action(detail=False, methods=["get"])
    def yearly(self, request):
        year = year_param(request)
        return Response({"year": year, **results_json(selectors.year_results(request.user, year))})


def _plain(row: dict) -> dict:
    out = {k: v for k, v in row.items() if k != "path"}
    for k in ("good_rate", "pass_rate"):
        out[k] = None if row[k] is None else str(row[k])
    return out


def results_json(data: dict) -> dict:
    """The selector's results with rates as strings (one decimal, percent)."""
    return {"rows": [_plain(r) for r in data["rows"]], "total": _plain(data["total"])}


class YearReportViewSet(StaffOnlyMixin, viewsets.GenericViewSet):
    """A yearly report per organization (GET list only): paginated rows, Chinese 400s for bad parameters."""

    queryset = SpotCheck.objects.none()  # for the schema; never read
    pagination_class = Pagination
    filter_backends = []

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)


@extend_schema(
    tags=["星期四学习日"],
    summary="三会一课落实情况（各组织按频次要求的达标情况）",
    parameters=[
        YEAR_PARAM,
        OpenApiParameter("org", OpenApiTypes.INT, description="只看该组织及其下属组织"),
        OpenApiParameter("q", OpenApiTypes.STR, description="组织名称或编码"),
        OpenApiParameter("behind", OpenApiTypes.BOOL, description="只看未达标的组织"),
        OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS), description="排序"),
    ],
    responses=OpenApiTypes.OBJECT,
)
class ComplianceViewSet(YearReportViewSet):
    """GET: the report of a year, one row per organization in the caller's view, paginated."""

    def list(self, request):
        year = year_param(request)
        report = compliance(request.user, year, org=org_param(request))
        rows = filter_rows(report.rows, **list_params(request))
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response([row_json(r) for r in page])
        response.data = {
            "year": year,
            "as_of": report.as_of.isoformat(),
            "requirements": [
                {"kind": r.kind, "period": r.period, "times": r.times, "org_types": r.org_types}
                for r in report.requirements
            ],
            "behind_count": sum(1 for r in rows if r.is_behind),
            **response.data,
        }
        return response


def org_param(request) -> Organization | None:
    """?org=: absent → None; an organization out of the caller's view or no id at all → 400."""
    raw = request.query_params.get("org", "").strip()
    if not raw:
        return None
    pk = parse_id(raw)
    org = Organization.objects.restrict(request.user, Action.VIEW).filter(pk=pk).first() if pk else None
    if org is None:
        raise DjangoValidationError({"org": "组织不存在或不在您的授权范围内。"})
    return org


def list_params(request) -> dict:
    """?q=, ?behind=, ?sort= as ``filter_rows`` takes them."""
    return {
        "q": request.query_params.get("q", "")[:50],
        "behind": request.query_params.get("behind", "").lower() in ("1", "true", "yes"),
        "sort": request.query_params.get("sort", "path"),
    }


@extend_schema(
    tags=["星期四学习日"],
    summary="学习计划执行情况（各组织学习计划日期的落实情况）",
    parameters=[
        YEAR_PARAM,
        OpenApiParameter("org", OpenApiTypes.INT, description="只看该组织及其下属组织"),
        OpenApiParameter("q", OpenApiTypes.STR, description="组织名称或编码"),
        OpenApiParameter("behind", OpenApiTypes.BOOL, description="只看有未落实日期或未制定计划的组织"),
        OpenApiParameter("sort", OpenApiTypes.STR, enum=list(ADHERENCE_SORTS), description="排序"),
    ],
    responses=OpenApiTypes.OBJECT,
)
class AdherenceViewSet(YearReportViewSet):
    """GET: the plan adherence of a year, one row per organization in the caller's view, paginated."""

    def list(self, request):
        year = year_param(request)
        report = adherence(request.user, year, org=org_param(request))
        rows = filter_adherence(report.rows, **list_params(request))
        page = self.paginate_queryset(rows)
        response = self.get_paginated_response([r.as_dict() for r in page])
        response.data = {
            "year": year,
            "as_of": report.as_of.isoformat(),
            "today": report.today.isoformat(),
            "totals": report.totals,
            "behind_count": sum(1 for r in rows if r.is_behind),
            **response.data,
        }
        return response


def row_json(row) -> dict:
    return {
        "org": row.org_id,
        "name": row.name,
        "code": row.code,
        "org_type": row.org_type,
        "parent_name": row.parent_name,
        "behind": row.behind,
        "is_behind": row.is_behind,
        "cells": [c.as_dict() for c in row.cells.values()],
    }


def register(router) -> None:
    """Add this module's viewsets to the API router (called by zugong.api_urls)."""
    router.register("studyday/spot-checks", SpotCheckViewSet, basename="api-studyday-spot-check")
    router.register("studyday/compliance", ComplianceViewSet, basename="api-studyday-compliance")
    router.register("studyday/adherence", AdherenceViewSet, basename="api-studyday-adherence")

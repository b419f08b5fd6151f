"""API of 累计学分制, continued: the cadres' yearly summaries and one cadre's progress (the bars of the
progress page), the credit rules of each year (read by all; edited, recomputed and closed by the 干部教育科
through ``services``), and the reports (overview, units, teams, shortfall) — the same ``selectors`` as the
pages. Decimals are strings with two places."""

from __future__ import annotations

import re

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.api import api_validation_error
from zugong.core.roles import Action
from zugong.core.scope import get_object_for_user
from zugong.people.models import Person

from . import selectors, services
from .api import ClaimSerializer, EntrySerializer, TrainingPermission, TrainingViewSetMixin
from .models import Category, CategoryRule, CreditRuleSet, CreditYear, Grade, Level, Mode, RankGroup

MONEYLIKE = {"max_digits": 12, "decimal_places": 2}
YEAR_PARAM = OpenApiParameter("year", OpenApiTypes.INT, description="年度，默认今年")
PERSON_PARAM = OpenApiParameter("person", OpenApiTypes.INT, description="干部（人员 id），默认本人")


def year_param(request) -> int:
    """?year=: absent → this year; anything but a year 2000–2100 → 400 (not silently this year)."""
    raw = request.query_params.get("year", "").strip()
    if not raw:
        return selectors.current_year()
    if not (re.fullmatch(r"[0-9]{4}", raw) and 2000 <= int(raw) <= 2100):
        raise DjangoValidationError({"year": f"年度“{raw[:10]}”不正确，应为 2000–2100 之间的四位数字。"})
    return int(raw)


class ValidationErrorMixin:
    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)


# --- yearly summaries and progress (年度学分) ----------------------------------------------------------


class YearFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label="年度", field_name="year")
    met = django_filters.BooleanFilter(label="年度达标", field_name="met_target")
    grade = django_filters.ChoiceFilter(label="年度等次", choices=Grade.choices)
    rank_group = django_filters.ChoiceFilter(label="职级类别", choices=RankGroup.choices)
    unit = django_filters.NumberFilter(label="工作单位", field_name="person__unit_id")
    person = django_filters.NumberFilter(label="干部", field_name="person_id")
    q = django_filters.CharFilter(label="姓名", method="filter_name")

    class Meta:
        model = CreditYear
        fields = ["year", "met", "grade", "rank_group", "unit", "person", "q"]

    def filter_name(self, queryset, name, value):
        value = value.strip()[:40]
        return queryset.filter(person__name__contains=value) if value else queryset


class YearSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit = serializers.IntegerField(source="person.unit_id", read_only=True, allow_null=True)
    unit_name = serializers.CharField(source="person.unit.name", read_only=True, default=None)
    rank_group_display = serializers.CharField(source="get_rank_group_display", read_only=True)
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)

    class Meta:
        model = CreditYear
        fields = ["id", "person", "person_name", "unit", "unit_name", "year", "rank_group",
            "rank_group_display", "entries", "hours", "online_hours", "full_time_days", "credits_required",
            "credits_earned", "carried_in", "credits_total", "cycle_hours", "cycle_days", "promotion_due",
            "met_hours", "met_online", "met_credits", "met_target", "grade", "grade_display",
            "updated_at"]  # fmt: skip
        read_only_fields = fields


class BarSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.DecimalField(**MONEYLIKE)
    target = serializers.DecimalField(**MONEYLIKE)
    percent = serializers.IntegerField(help_text="0–100")
    met = serializers.BooleanField()


class ShortfallSerializer(serializers.Serializer):
    hours = serializers.DecimalField(**MONEYLIKE, label="尚缺学时", help_text="县处级为五年周期学时")
    online_hours = serializers.DecimalField(**MONEYLIKE, label="尚缺网络学时")
    required = serializers.DecimalField(**MONEYLIKE, label="尚缺必修学分")
    total = serializers.DecimalField(**MONEYLIKE, label="尚缺总学分")


class ProgressSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    person_name = serializers.CharField(source="person.name")
    year = serializers.IntegerField()
    rule_set_closed = serializers.BooleanField(source="rule_set.closed", default=None, allow_null=True)
    rank_group = serializers.ChoiceField(choices=RankGroup.choices)
    summary = YearSerializer(allow_null=True, help_text="尚未计算时为空")
    bars = BarSerializer(many=True)
    grade = serializers.ChoiceField(choices=Grade.choices, allow_null=True)
    met_target = serializers.BooleanField()
    shortfall = ShortfallSerializer()
    entries = EntrySerializer(many=True)
    claims = ClaimSerializer(many=True)


YEAR_QUERYSET = CreditYear.objects.select_related("person", "person__unit")


@extend_schema_view(
    list=extend_schema(summary="干部年度学分（筛选：year、met、grade、rank_group、unit、person、q）"),
    retrieve=extend_schema(summary="干部年度学分详情"),
    progress=extend_schema(
        summary="干部学习进度（各项目标的进度条、差额、当年学分记录和申报）",
        parameters=[PERSON_PARAM, YEAR_PARAM],
        responses=ProgressSerializer,
    ),
)
@extend_schema(tags=["干部教育培训"])
class YearViewSet(TrainingViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = YEAR_QUERYSET.order_by("-year", "person__name_stroke_key", "person_id")
    serializer_class = YearSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = YearFilter
    scope_actions = {"progress": Action.VIEW}

    @action(detail=False, methods=["get"])
    def progress(self, request):
        user = request.user
        year = year_param(request)
        raw = request.query_params.get("person", "").strip()
        if raw:
            pk = services.parse_id(raw)
            if pk is None:
                raise DjangoValidationError({"person": "干部参数不正确。"})
            person = get_object_for_user(user, Person, Action.VIEW, pk=pk)
        elif getattr(user, "person_id", None):
            person = Person.objects.get(pk=user.person_id)
        else:
            raise DjangoValidationError({"person": "请指定干部（person）。"})
        if not services.is_district_cadre(person.pk):
            raise DjangoValidationError({"person": f"{person.name}不是区管干部。"})
        data = selectors.progress_of(person, year)
        data["entries"] = data["entries"].select_related("person")
        data["claims"] = data["claims"].select_related("person", "decided_by", "entry")
        return Response(ProgressSerializer(data).data)


# --- credit rules (学分规则) -------------------------------------------------------------------------


class CategoryRuleSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    mode_display = serializers.CharField(source="get_mode_display", read_only=True)

    class Meta:
        model = CategoryRule
        fields = ["category", "category_display", "mode", "mode_display", "rate", "level_rates",
                  "annual_cap", "required"]  # fmt: skip
        read_only_fields = fields


class RuleSetSerializer(serializers.ModelSerializer):
    rules = CategoryRuleSerializer(many=True, read_only=True)
    closed_by_name = serializers.CharField(source="closed_by.username", read_only=True, default=None)
    cycle = serializers.SerializerMethodField(label="五年周期")

    class Meta:
        model = CreditRuleSet
        fields = ["id", "year", "name", "hours_per_day", "online_tiers", "required_credits", "total_credits",
            "excellent_credits", "carry_over", "carry_over_cap", "online_hours_target", "township_hours",
            "township_days", "county_hours", "county_days", "cycle_start_year", "cycle_years", "cycle",
            "promotion_months", "reminder_from_month", "closed", "closed_at", "closed_by_name", "note",
            "rules", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_cycle(self, rule_set) -> list[int]:
        return list(rule_set.cycle_of())


class CategoryRuleInputSerializer(serializers.Serializer):
    """One category's rule; the keys not given keep their values."""

    category = serializers.ChoiceField(choices=Category.choices, label="类别")
    mode = serializers.ChoiceField(choices=Mode.choices, required=False, label="计分方式")
    rate = serializers.DecimalField(max_digits=7, decimal_places=2, required=False, label="学分标准")
    level_rates = serializers.DictField(
        child=serializers.DecimalField(max_digits=7, decimal_places=2), required=False, label="按级别学分",
        help_text=f"级别（{'、'.join(v for v in Level.values if v)}）→ 学分",
    )  # fmt: skip
    annual_cap = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, label="年度上限（空为不限）"
    )
    required = serializers.BooleanField(required=False, label="必修")


def _decimal(max_digits=7, **kw):
    return serializers.DecimalField(max_digits=max_digits, decimal_places=2, **kw)


class RuleSetUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, label="名称")
    hours_per_day = _decimal(5, label="每天折合学时")
    online_tiers = serializers.JSONField(
        label="网络课程时长折算", help_text='如 [[30, ">=", "1"], [15, ">", "0.5"]]'
    )
    required_credits = _decimal(label="必修学分目标")
    total_credits = _decimal(label="总学分目标")
    excellent_credits = _decimal(label="优秀学分线")
    carry_over = serializers.BooleanField(label="超出学分结转下一年度")
    carry_over_cap = _decimal(allow_null=True, label="结转上限（空为不限）")
    online_hours_target = _decimal(label="网络学时目标")
    township_hours = _decimal(label="乡科级年度学时")
    township_days = _decimal(6, label="乡科级年度脱产天数")
    county_hours = _decimal(label="县处级五年学时")
    county_days = _decimal(6, label="县处级五年脱产天数")
    cycle_start_year = serializers.IntegerField(label="五年周期起始年")
    cycle_years = serializers.IntegerField(label="周期年数")
    promotion_months = serializers.IntegerField(label="提拔后完成期限（月）")
    reminder_from_month = serializers.IntegerField(label="催学提醒起始月份")
    note = serializers.CharField(max_length=300, allow_blank=True, label="说明")
    rules = CategoryRuleInputSerializer(many=True, required=False, label="类别学分标准")

    def validate_rules(self, value):
        categories = [rule["category"] for rule in value]
        if len(set(categories)) != len(categories):
            raise serializers.ValidationError("同一类别只能出现一次。")
        return value


class RuleSetCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度", help_text="复制最近一个年度的规则（或默认规则）")


class RecomputeSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    entries_updated = serializers.IntegerField(label="重算的学分记录数")
    summaries = serializers.IntegerField(label="重建的年度汇总数")


class RuleSetChangedSerializer(RuleSetSerializer):
    recompute = RecomputeSerializer(read_only=True)

    class Meta(RuleSetSerializer.Meta):
        fields = [*RuleSetSerializer.Meta.fields, "recompute"]
        read_only_fields = fields


RULE_SET_QUERYSET = CreditRuleSet.objects.select_related("closed_by").prefetch_related("rules")


@extend_schema_view(
    list=extend_schema(summary="各年度学分规则（含各类别学分标准）"),
    retrieve=extend_schema(summary="年度学分规则（路径中为年度）"),
    create=extend_schema(
        summary="建立年度学分规则（干部教育科）",
        request=RuleSetCreateSerializer,
        responses={201: RuleSetSerializer},
    ),
    update=extend_schema(
        summary="修改学分规则并重算该年度（干部教育科；已关账年度不能修改）",
        request=RuleSetUpdateSerializer,
        responses=RuleSetChangedSerializer,
    ),
    partial_update=extend_schema(
        summary="修改学分规则（部分项目）并重算该年度（干部教育科）",
        request=RuleSetUpdateSerializer,
        responses=RuleSetChangedSerializer,
    ),
    close=extend_schema(summary="年度关账（干部教育科）", request=None, responses=RuleSetSerializer),
    recompute=extend_schema(
        summary="重算该年度学分（干部教育科）", request=None, responses=RecomputeSerializer
    ),
)
@extend_schema(tags=["干部教育培训"])
class RuleSetViewSet(
    ValidationErrorMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The rules are the district's, not an organization's: no scope to restrict by. Everyone with access to
    the module reads them; every write is the 干部教育科's (checked by the services)."""

    queryset = RULE_SET_QUERYSET.order_by("-year")
    serializer_class = RuleSetSerializer
    permission_classes = [TrainingPermission]
    create_by_service = True
    lookup_field = "year"
    lookup_value_regex = r"\d{4}"
    filter_backends = []

    def _respond(self, rule_set, status_code=status.HTTP_200_OK, **extra):
        rule_set = RULE_SET_QUERYSET.get(pk=rule_set.pk)
        serializer = RuleSetChangedSerializer if extra else RuleSetSerializer
        for name, value in extra.items():
            setattr(rule_set, name, value)
        return Response(serializer(rule_set).data, status=status_code)

    def create(self, request, *args, **kwargs):
        services.ensure_training_office(request.user)  # 403 before any 400 on the input
        serializer = RuleSetCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule_set = services.create_rule_set(actor=request.user, year=serializer.validated_data["year"])
        return self._respond(rule_set, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rule_set = self.get_object()
        services.ensure_training_office(request.user)
        serializer = RuleSetUpdateSerializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        category_rules = {}
        for rule in data.pop("rules", []):
            values = dict(rule)
            if "level_rates" in values:
                values["level_rates"] = {level: str(rate) for level, rate in values["level_rates"].items()}
            category_rules[values.pop("category")] = values
        try:
            result = services.update_rule_set(
                actor=request.user, rule_set=rule_set, data=data, category_rules=category_rules
            )
        except DjangoValidationError as e:
            if hasattr(e, "error_dict") and "category_rules" in e.error_dict:
                e.error_dict["rules"] = e.error_dict.pop("category_rules")  # the API's name of the field
            raise
        return self._respond(rule_set, recompute=result)

    @action(detail=True, methods=["post"])
    def close(self, request, year=None):
        rule_set = services.close_year(actor=request.user, rule_set=self.get_object())
        return self._respond(rule_set)

    @action(detail=True, methods=["post"])
    def recompute(self, request, year=None):
        result = services.recompute_year(actor=request.user, year=self.get_object().year)
        return Response(RecomputeSerializer(result).data)


# --- reports (统计) ------------------------------------------------------------------------------------


class UnitRowSerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        source="unit.pk", default=None, allow_null=True, help_text="空：未填工作单位"
    )
    unit_name = serializers.CharField(source="unit.name", default=None, allow_null=True)
    cadres = serializers.IntegerField(label="干部数")
    avg_total = serializers.DecimalField(**MONEYLIKE, label="平均总学分")
    behind = serializers.IntegerField(label="未达标人数")
    met_rate = serializers.IntegerField(label="达标率（%）")


class TeamRowSerializer(UnitRowSerializer):
    team = serializers.IntegerField(source="team.pk")
    team_name = serializers.CharField(source="team.name")
    may_be_excellent = serializers.BooleanField(label="可评优秀", help_text="平均总学分达到年度总学分目标")


class GradeCountSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()


class RankGroupCountSerializer(serializers.Serializer):
    rank_group = serializers.ChoiceField(choices=RankGroup.choices)
    label = serializers.CharField()
    cadres = serializers.IntegerField()
    met = serializers.IntegerField()
    met_rate = serializers.IntegerField()


class CategorySumSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices)
    label = serializers.CharField()
    credits = serializers.DecimalField(**MONEYLIKE)
    hours = serializers.DecimalField(**MONEYLIKE)
    entries = serializers.IntegerField()


class OverviewSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    cadres = serializers.IntegerField(label="区管干部数")
    met = serializers.IntegerField(label="达标人数")
    behind = serializers.IntegerField(label="未达标人数")
    met_rate = serializers.IntegerField(label="达标率（%）")
    avg_total = serializers.DecimalField(**MONEYLIKE, label="平均总学分")
    grades = GradeCountSerializer(many=True)
    rank_groups = RankGroupCountSerializer(many=True)
    units = UnitRowSerializer(many=True, help_text=f"平均总学分最高的 {selectors.CHART_UNITS} 个单位")
    categories = CategorySumSerializer(many=True)


class ShortfallRowSerializer(YearSerializer):
    shortfall = ShortfallSerializer(read_only=True)

    class Meta(YearSerializer.Meta):
        fields = [*YearSerializer.Meta.fields, "shortfall"]
        read_only_fields = fields


@extend_schema(tags=["干部教育培训"], parameters=[YEAR_PARAM])
class TrainingReportViewSet(ValidationErrorMixin, viewsets.GenericViewSet):
    """Read-only reports over the cadres in the user's scope (staff only), the figures of the pages."""

    permission_classes = [TrainingPermission]
    staff_only = True
    queryset = CreditYear.objects.none()  # for the schema; never read
    serializer_class = OverviewSerializer
    filter_backends = []

    @extend_schema(summary="全区（授权范围）学分概况", responses=OverviewSerializer)
    @action(detail=False, methods=["get"])
    def overview(self, request):
        services.ensure_training_staff(request.user)
        data = selectors.district_overview(request.user, year_param(request))
        return Response(OverviewSerializer(data).data)

    @extend_schema(summary="各单位学分情况", responses=UnitRowSerializer(many=True))
    @action(detail=False, methods=["get"])
    def units(self, request):
        services.ensure_training_staff(request.user)
        rows = selectors.unit_progress(request.user, year_param(request))
        return Response(UnitRowSerializer(rows, many=True).data)

    @extend_schema(summary="各领导班子学分情况", responses=TeamRowSerializer(many=True))
    @action(detail=False, methods=["get"])
    def teams(self, request):
        services.ensure_training_staff(request.user)
        rows = selectors.team_progress(request.user, year_param(request))
        return Response(TeamRowSerializer(rows, many=True).data)

    @extend_schema(
        summary="未达标干部名单（尚缺学时与学分，差距大者在前）", responses=ShortfallRowSerializer(many=True)
    )
    @action(detail=False, methods=["get"])
    def shortfall(self, request):
        services.ensure_training_staff(request.user)
        year = year_param(request)
        _, rules = selectors.rules_of_year(year)
        page = self.paginate_queryset(selectors.shortfall_list(request.user, year))
        for summary in page:
            summary.shortfall = selectors.shortfall_of(summary, rules)
        return self.get_paginated_response(ShortfallRowSerializer(page, many=True).data)

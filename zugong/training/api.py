"""API of 累计学分制: the training catalogue (activities), the cadres' credit entries and their claims with
evidence. The yearly summaries with each cadre's progress, the rule sets and the reports are in
``api_more``. Reads go through ``restrict(user, action)``; writes through ``services`` and
``services_claims`` (their refusals become 400 / 403 with the same Chinese message). Credits, 学时 and days
are decimals, given as strings ("12.00")."""

from __future__ import annotations

import base64
import binascii

import django_filters
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from zugong.core.api import ScopedPrimaryKeyField, ScopedViewSetMixin
from zugong.core.roles import Action
from zugong.core.scope import can, get_object_for_user, grant_paths
from zugong.orgs.models import Organization
from zugong.people.models import Person

from . import services, services_claims
from .filters import ActivityFilter
from .models import Activity, Category, Claim, CreditEntry, Level, Source

# --- access ------------------------------------------------------------------------------------------


def is_cadre(user) -> bool:
    """Whether the user's own roster record is a district-managed cadre (who sees their own progress)."""
    return services.is_district_cadre(getattr(user, "person_id", None))


class TrainingPermission(permissions.IsAuthenticated):
    """Staff holding a grant (secretaries, 组织委员, org admins) and, unless the viewset is ``staff_only``,
    the district cadres themselves; 三员 and plain members get 403. ``create`` also needs the ``add`` action
    somewhere, unless the viewset's service decides who may create (``create_by_service``)."""

    message = "您没有访问干部教育培训记录的权限。"

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        user = request.user
        if not grant_paths(user, Action.VIEW) and (getattr(view, "staff_only", False) or not is_cadre(user)):
            return False
        if getattr(view, "action", None) == "create" and not getattr(view, "create_by_service", False):
            return can(user, Action.ADD, model=view.queryset.model)
        return True


class TrainingViewSetMixin(ScopedViewSetMixin):
    permission_classes = [TrainingPermission]
    staff_only = False
    create_by_service = False

    def _input(self, serializer_class, *, partial=False) -> dict:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class ArchivedFilterSet(django_filters.FilterSet):
    """Archived records are hidden unless ``archived`` is given (true: only archived; false: only active)."""

    archived = django_filters.BooleanFilter(label="已归档", method="filter_archived")

    @property
    def qs(self):
        qs = super().qs
        data = getattr(self.form, "cleaned_data", {}) if self.is_bound else {}
        if data.get("archived") is None:
            qs = qs.filter(archived_at__isnull=True)
        return qs

    def filter_archived(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


class ArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="归档原因")


DECIMAL = {"max_digits": 8, "decimal_places": 2, "min_value": 0}


# --- activities (培训项目) ---------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    org_name = serializers.CharField(source="org.name", read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "category", "category_display", "organizer", "org", "org_name",
            "start_date", "end_date", "days", "hours", "minutes", "hours_taught", "level", "level_display",
            "location", "note", "archived_at", "archived_reason", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields


class ActivityInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, label="名称")
    category = serializers.ChoiceField(choices=Category.choices, label="类别")
    organizer = serializers.CharField(max_length=100, label="主办单位")
    org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="归属党组织")
    start_date = serializers.DateField(label="开始日期")
    end_date = serializers.DateField(label="结束日期")
    days = serializers.DecimalField(**DECIMAL, required=False, label="天数")
    hours = serializers.DecimalField(**DECIMAL, required=False, label="学时")
    minutes = serializers.DecimalField(**DECIMAL, required=False, allow_null=True, label="课程时长（分钟）")
    hours_taught = serializers.DecimalField(**DECIMAL, required=False, label="授课学时")
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True, label="级别")
    location = serializers.CharField(max_length=100, required=False, allow_blank=True, label="地点")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, label="说明")


class AttendanceSerializer(serializers.Serializer):
    person_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        allow_empty=False,
        max_length=2000,
        label="参训干部",
    )


class AddedSerializer(serializers.Serializer):
    added = serializers.IntegerField(label="新增学分记录数")


ACTIVITY_QUERYSET = Activity.objects.select_related("org")


@extend_schema_view(
    list=extend_schema(summary="培训项目（与页面相同的筛选：q、category、year、org、archived、sort）"),
    retrieve=extend_schema(summary="培训项目详情"),
    create=extend_schema(
        summary="新增培训项目", request=ActivityInputSerializer, responses={201: ActivitySerializer}
    ),
    update=extend_schema(
        summary="修改培训项目", request=ActivityInputSerializer, responses=ActivitySerializer
    ),
    partial_update=extend_schema(
        summary="修改培训项目（部分字段）", request=ActivityInputSerializer, responses=ActivitySerializer
    ),
    archive=extend_schema(summary="归档培训项目", request=ArchiveSerializer, responses=ActivitySerializer),
    attendance=extend_schema(
        summary="登记参训干部（为授权范围内的区管干部记入学分）",
        request=AttendanceSerializer,
        responses=AddedSerializer,
    ),
)
@extend_schema(tags=["干部教育培训"])
class ActivityViewSet(
    TrainingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ACTIVITY_QUERYSET.order_by("-start_date", "-id")
    serializer_class = ActivitySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActivityFilter
    staff_only = True
    # The persons' scope is checked by the service: an activity the user sees may be attended by their cadres.
    scope_actions = {"attendance": Action.VIEW}

    def _respond(self, activity, status_code=status.HTTP_200_OK):
        return Response(ActivitySerializer(ACTIVITY_QUERYSET.get(pk=activity.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(ActivityInputSerializer)
        activity = services.create_activity(actor=self.actor, data=data)
        return self._respond(activity, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        activity = self.get_object()
        # PATCH: the fields not given keep their values (the service's rule).
        data = self._input(ActivityInputSerializer, partial=kwargs.get("partial", False))
        activity = services.update_activity(actor=self.actor, activity=activity, data=data)
        return self._respond(activity)

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        activity = self.get_object()
        reason = self._input(ArchiveSerializer)["reason"]
        activity = services.archive_activity(actor=self.actor, activity=activity, reason=reason)
        return self._respond(activity)

    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        activity = self.get_object()
        person_ids = self._input(AttendanceSerializer)["person_ids"]
        added = services.record_attendance(actor=self.actor, activity=activity, person_ids=person_ids)
        return Response({"added": added})


# --- credit entries (学分记录) -----------------------------------------------------------------------


class EntryFilter(ArchivedFilterSet):
    person = django_filters.NumberFilter(label="干部", field_name="person_id")
    year = django_filters.NumberFilter(label="年度", field_name="year")
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    source = django_filters.ChoiceFilter(label="来源", choices=Source.choices)

    class Meta:
        model = CreditEntry
        fields = ["person", "year", "category", "source", "archived"]


class EntrySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = CreditEntry
        fields = ["id", "person", "person_name", "year", "date", "category", "category_display", "source",
            "source_display", "title", "activity", "claim", "days", "hours", "minutes", "hours_taught",
            "level", "level_display", "items", "credited_hours", "online_hours", "full_time_days",
            "credits_raw", "credits", "required", "archived_at", "archived_reason", "created_at"]  # fmt: skip
        read_only_fields = fields


class EntryCreateSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, label="干部")
    category = serializers.ChoiceField(choices=Category.choices, label="类别")
    title = serializers.CharField(max_length=200, label="培训内容")
    date = serializers.DateField(label="日期")
    days = serializers.DecimalField(**DECIMAL, required=False, label="天数")
    hours = serializers.DecimalField(**DECIMAL, required=False, label="学时")
    minutes = serializers.DecimalField(**DECIMAL, required=False, allow_null=True, label="课程时长（分钟）")
    hours_taught = serializers.DecimalField(**DECIMAL, required=False, label="授课学时")
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True, label="级别")
    items = serializers.IntegerField(min_value=1, max_value=100, required=False, label="次数/篇数")


ENTRY_QUERYSET = CreditEntry.objects.select_related("person")


@extend_schema_view(
    list=extend_schema(summary="学分记录（筛选：person、year、category、source、archived）"),
    retrieve=extend_schema(summary="学分记录详情"),
    create=extend_schema(
        summary="补录学分记录（授权范围内的区管干部）",
        request=EntryCreateSerializer,
        responses={201: EntrySerializer},
    ),
    archive=extend_schema(summary="归档学分记录（并重算该干部当年学分）", request=ArchiveSerializer),
)
@extend_schema(tags=["干部教育培训"])
class EntryViewSet(
    TrainingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ENTRY_QUERYSET.order_by("-date", "-id")
    serializer_class = EntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryFilter

    def _respond(self, entry, status_code=status.HTTP_200_OK):
        return Response(EntrySerializer(ENTRY_QUERYSET.get(pk=entry.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(EntryCreateSerializer)
        # A cadre outside the user's view is 404, one seen but not changeable 403 (as his record's pages).
        person = get_object_for_user(request.user, Person, Action.CHANGE, pk=data.pop("person"))
        entry = services.add_entry(actor=self.actor, person=person, data=data)
        return self._respond(entry, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        entry = self.get_object()
        reason = self._input(ArchiveSerializer)["reason"]
        entry = services.archive_entry(actor=self.actor, entry=entry, reason=reason)
        return self._respond(entry)


# --- claims (学分申报) --------------------------------------------------------------------------------


class ClaimFilter(django_filters.FilterSet):
    person = django_filters.NumberFilter(label="干部", field_name="person_id")
    status = django_filters.ChoiceFilter(label="状态", choices=Claim.Status.choices)
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    year = django_filters.NumberFilter(
        label="年度", field_name="date", lookup_expr="year", min_value=2000, max_value=2100
    )

    class Meta:
        model = Claim
        fields = ["person", "status", "category", "year"]


class ClaimSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    entry = serializers.SerializerMethodField(label="学分记录")
    credits = serializers.SerializerMethodField(label="计入学分")

    class Meta:
        model = Claim
        fields = ["id", "person", "person_name", "category", "category_display", "title", "organizer",
            "date", "days", "hours", "minutes", "hours_taught", "level", "level_display", "description",
            "status", "status_display", "evidence_name", "evidence_type", "evidence_size",
            "decided_by_name", "decided_at", "reason", "entry", "credits", "created_at"]  # fmt: skip
        read_only_fields = fields

    @staticmethod
    def _entry(claim):
        try:
            return claim.entry
        except CreditEntry.DoesNotExist:
            return None

    def get_entry(self, claim) -> int | None:
        entry = self._entry(claim)
        return entry.pk if entry else None

    @extend_schema_field(serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True))
    def get_credits(self, claim) -> str | None:
        entry = self._entry(claim)
        return None if entry is None else f"{entry.credits:.2f}"


class ClaimCreateSerializer(serializers.Serializer):
    """The claim and its evidence: a file (multipart ``evidence``) or, in JSON, ``evidence_base64`` with
    ``evidence_name``. PDF, JPG, PNG or Word (.docx), at most 5 MB."""

    category = serializers.ChoiceField(choices=Category.choices, label="类别")
    title = serializers.CharField(max_length=200, label="培训内容")
    organizer = serializers.CharField(max_length=100, required=False, allow_blank=True, label="主办单位")
    date = serializers.DateField(label="日期")
    days = serializers.DecimalField(**DECIMAL, required=False, label="天数")
    hours = serializers.DecimalField(**DECIMAL, required=False, label="学时")
    minutes = serializers.DecimalField(**DECIMAL, required=False, allow_null=True, label="课程时长（分钟）")
    hours_taught = serializers.DecimalField(**DECIMAL, required=False, label="授课学时")
    level = serializers.ChoiceField(choices=Level.choices, required=False, allow_blank=True, label="级别")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, label="说明")
    evidence = serializers.FileField(required=False, allow_empty_file=True, label="证明材料（文件）")
    evidence_base64 = serializers.CharField(
        required=False, trim_whitespace=True, write_only=True, label="证明材料（base64）"
    )
    evidence_name = serializers.CharField(max_length=200, required=False, label="证明材料文件名")

    def validate(self, attrs):
        upload = attrs.pop("evidence", None)
        encoded = attrs.pop("evidence_base64", None)
        name = attrs.pop("evidence_name", "").strip()
        limit = services_claims.MAX_EVIDENCE_BYTES
        too_large = f"证明材料不能超过 {limit // (1024 * 1024)} MB。"
        if (upload is None) == (encoded is None):
            raise serializers.ValidationError({"evidence": "请上传一份证明材料（文件或 base64 编码）。"})
        if upload is not None:
            if upload.size > limit:
                raise serializers.ValidationError({"evidence": too_large})
            name, data = name or upload.name, upload.read()
        else:
            if not name:
                raise serializers.ValidationError({"evidence_name": "请填写证明材料的文件名。"})
            if encoded.startswith("data:") and "," in encoded:  # a data: URL
                encoded = encoded.split(",", 1)[1]
            if len(encoded) > (limit + 2) // 3 * 4 + 4:
                raise serializers.ValidationError({"evidence_base64": too_large})
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(
                    {"evidence_base64": "证明材料的 base64 编码不正确。"}
                ) from None
        attrs["evidence_name"], attrs["evidence"] = name[:200], data
        return attrs


class ClaimDecideSerializer(serializers.Serializer):
    """The 干部教育科: approve, or reject with a reason."""

    approve = serializers.BooleanField(label="是否通过")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, label="审核意见")


CLAIM_QUERYSET = Claim.objects.select_related("person", "decided_by", "entry")


@extend_schema_view(
    list=extend_schema(summary="学分申报（筛选：person、status、category、year）"),
    retrieve=extend_schema(summary="学分申报详情"),
    create=extend_schema(
        summary="申报学分（区管干部本人，附证明材料）",
        request={"multipart/form-data": ClaimCreateSerializer, "application/json": ClaimCreateSerializer},
        responses={201: ClaimSerializer},
    ),
    decide=extend_schema(
        summary="审核申报（干部教育科；不通过须说明理由）",
        request=ClaimDecideSerializer,
        responses=ClaimSerializer,
    ),
    withdraw=extend_schema(
        summary="撤回申报（申报人本人，待审核时）", request=None, responses=ClaimSerializer
    ),
    evidence=extend_schema(
        summary="下载证明材料",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
)
@extend_schema(tags=["干部教育培训"])
class ClaimViewSet(
    TrainingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = CLAIM_QUERYSET.order_by("-created_at", "-id")
    serializer_class = ClaimSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ClaimFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    create_by_service = True  # the cadre claims for themself; the service checks they are one
    # Who may decide or withdraw is the service's to say (the office; the claimant) among those who see it.
    scope_actions = {"decide": Action.VIEW, "withdraw": Action.VIEW, "evidence": Action.VIEW}

    def _respond(self, claim, status_code=status.HTTP_200_OK):
        return Response(ClaimSerializer(CLAIM_QUERYSET.get(pk=claim.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(ClaimCreateSerializer)
        name, evidence = data.pop("evidence_name"), data.pop("evidence")
        claim = services_claims.submit_claim(
            actor=self.actor, data=data, evidence_name=name, evidence=evidence
        )
        return self._respond(claim, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        claim = self.get_object()
        data = self._input(ClaimDecideSerializer)
        claim = services_claims.decide_claim(actor=self.actor, claim=claim, **data)
        return self._respond(claim)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        claim = self.get_object()
        return self._respond(services_claims.withdraw_claim(actor=self.actor, claim=claim))

    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None):
        claim = self.get_object()
        name, content_type, data = services_claims.claim_evidence(actor=self.actor, claim=claim)
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response

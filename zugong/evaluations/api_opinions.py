"""API of 征求意见 and 整改 (staff): opinions (list, detail, 录入) and issues (list with the 问题清单's filters,
detail, create from opinions, 开始整改, 整改完成 with evidence, 重新整改). Reads through ``restrict(user,
action)``; writes through ``services_opinions`` (their refusals become 400 / 403 with the same Chinese
message)."""

from __future__ import annotations

import base64
import binascii

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from zugong.core.api import ScopedPrimaryKeyField, ScopedViewSetMixin
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.orgs.models import Organization, Unit
from zugong.training.services_claims import MAX_EVIDENCE_BYTES

from . import selectors_opinions as selectors
from . import services_opinions as services
from .models import Evaluation
from .models_opinions import Issue, IssueStep, Opinion


def _staff_only(viewset, request):
    if not grant_paths(request.user, Action.VIEW):
        viewset.permission_denied(request, message="您没有办理征求意见和整改工作的权限。")


# ---- opinions -------------------------------------------------------------------------------------------


class OpinionSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    issues = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Opinion
        fields = [
            "id", "org", "org_name", "source", "source_display", "visit_group", "evaluation", "text",
            "received_on", "submitted_by", "issues", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class OpinionCreateSerializer(serializers.Serializer):
    org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="征求单位")
    source = serializers.ChoiceField(choices=Opinion.Source.choices, label="来源")
    visit_group = serializers.CharField(max_length=50, required=False, allow_blank=True, label="走访组")
    evaluation = ScopedPrimaryKeyField(
        queryset=Evaluation.objects.all(), required=False, allow_null=True, label="问卷（测评）"
    )
    text = serializers.CharField(max_length=services.MAX_TEXT, label="意见内容")
    received_on = serializers.DateField(label="收集日期")
    submitted_by = serializers.CharField(max_length=100, required=False, allow_blank=True, label="提出人")


@extend_schema_view(
    list=extend_schema(summary="意见建议列表"),
    retrieve=extend_schema(summary="意见建议详情"),
    create=extend_schema(summary="录入意见建议", request=OpinionCreateSerializer),
)
@extend_schema(tags=["征求意见与整改"])
class OpinionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        Opinion.objects.filter(archived_at__isnull=True).select_related("org").prefetch_related("issues")
    )
    serializer_class = OpinionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.OpinionFilter

    def check_permissions(self, request):
        super().check_permissions(request)
        _staff_only(self, request)

    def get_queryset(self):
        return super().get_queryset().order_by("-received_on", "-id")

    def create(self, request, *args, **kwargs):
        data = OpinionCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        opinion = services.opinion_add(actor=self.actor, **data.validated_data)
        return Response(
            OpinionSerializer(self.queryset.get(pk=opinion.pk)).data, status=status.HTTP_201_CREATED
        )


# ---- issues ---------------------------------------------------------------------------------------------


class IssueStepSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = IssueStep
        fields = ["kind", "kind_display", "on", "note"]
        read_only_fields = fields


class IssueSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    owner = serializers.CharField(source="owner_label", read_only=True, help_text="责任单位（名称）")
    sources = serializers.SerializerMethodField(help_text="来源")
    is_overdue = serializers.BooleanField(read_only=True, help_text="是否逾期：未整改完成且已过整改时限")
    opinions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    steps = IssueStepSerializer(many=True, read_only=True)

    class Meta:
        model = Issue
        fields = [
            "id", "org", "org_name", "category", "category_display", "title", "description", "opinions",
            "sources", "owner_unit", "owner_org", "owner", "deadline", "measures", "status", "status_display",
            "is_overdue", "started_on", "closed_on", "evidence_text", "evidence_name", "evidence_type",
            "evidence_size", "steps", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_sources(self, issue) -> str:
        return selectors.issue_sources(issue)


class IssueCreateSerializer(serializers.Serializer):
    org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="所属党组织")
    category = serializers.ChoiceField(choices=Issue.Category.choices, label="类别")
    title = serializers.CharField(max_length=200, label="问题")
    description = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True)
    opinions = ScopedPrimaryKeyField(
        queryset=Opinion.objects.filter(archived_at__isnull=True), many=True, required=False, label="来源意见"
    )
    owner_unit = ScopedPrimaryKeyField(queryset=Unit.objects.all(), required=False, allow_null=True)
    owner_org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), required=False, allow_null=True)
    deadline = serializers.DateField(required=False, allow_null=True, label="整改时限")
    measures = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True)


class IssueCloseSerializer(serializers.Serializer):
    """The completion in words, the day, and optionally a file: multipart ``evidence``, or in JSON
    ``evidence_base64`` with ``evidence_name`` (PDF, JPG, PNG or Word .docx, at most 5 MB)."""

    evidence_text = serializers.CharField(max_length=2000, label="整改完成情况及佐证")
    closed_on = serializers.DateField(required=False, label="完成日期（默认今天）")
    evidence = serializers.FileField(required=False, label="佐证材料（文件）")
    evidence_base64 = serializers.CharField(required=False, write_only=True, label="佐证材料（base64）")
    evidence_name = serializers.CharField(max_length=200, required=False, label="佐证材料文件名")

    def validate(self, attrs):
        upload = attrs.pop("evidence", None)
        encoded = attrs.pop("evidence_base64", None)
        name = attrs.pop("evidence_name", "").strip()
        if upload is not None and encoded is not None:
            raise serializers.ValidationError({"evidence": "佐证材料请只用一种方式上传（文件或 base64）。"})
        if upload is not None:
            if upload.size > MAX_EVIDENCE_BYTES:
                raise serializers.ValidationError({"evidence": "佐证材料不能超过 5 MB。"})
            attrs["evidence"], attrs["evidence_name"] = upload.read(), name or upload.name
        elif encoded is not None:
            if len(encoded) > MAX_EVIDENCE_BYTES * 4 // 3 + 4:
                raise serializers.ValidationError({"evidence": "佐证材料不能超过 5 MB。"})
            try:
                attrs["evidence"] = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError({"evidence_base64": "佐证材料的 base64 编码不正确。"})
            if not name:
                raise serializers.ValidationError(
                    {"evidence_name": "请填写佐证材料文件名（如 整改报告.pdf）。"}
                )
            attrs["evidence_name"] = name
        return attrs


class IssueReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="重新整改的原因")


@extend_schema_view(
    list=extend_schema(summary="问题清单（可按状态、类别、责任单位、是否逾期筛选）"),
    retrieve=extend_schema(summary="问题详情（来源意见、整改措施、办理环节）"),
    create=extend_schema(summary="新增问题（可由一条或多条意见形成）", request=IssueCreateSerializer),
    start=extend_schema(summary="开始整改", request=None),
    close=extend_schema(summary="整改完成（须有完成情况及佐证）", request=IssueCloseSerializer),
    reopen=extend_schema(summary="重新整改", request=IssueReopenSerializer),
)
@extend_schema(tags=["征求意见与整改"])
class IssueViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = (
        Issue.objects.filter(archived_at__isnull=True)
        .select_related("org", "owner_unit", "owner_org")
        .prefetch_related("opinions", "steps")
    )
    serializer_class = IssueSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.IssueFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    scope_actions = {"start": Action.CHANGE, "close": Action.CHANGE, "reopen": Action.CHANGE}

    def check_permissions(self, request):
        super().check_permissions(request)
        _staff_only(self, request)

    def get_queryset(self):
        return super().get_queryset().order_by(*selectors.ISSUE_SORTS[selectors.ISSUE_SORT_DEFAULT])

    def _answer(self, issue, code=status.HTTP_200_OK):
        return Response(IssueSerializer(self.queryset.get(pk=issue.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        data = IssueCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        issue = services.issue_create(actor=self.actor, **data.validated_data)
        return self._answer(issue, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._answer(services.issue_start(actor=self.actor, issue=self.get_object()))

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        issue = self.get_object()
        data = IssueCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.issue_close(actor=self.actor, issue=issue, **data.validated_data))

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        issue = self.get_object()
        data = IssueReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issue = services.issue_reopen(actor=self.actor, issue=issue, reason=data.validated_data["reason"])
        return self._answer(issue)

"""API of 测评 (staff): evaluations with their subjects and voter classes, created through the service (a
built-in form by kind, or a ``spec``); codes issued (the plain codes are in that answer only), voided; going
live; archiving; the results (the selector the page and the Word report use). Voting itself is the public
page, not the API: a ballot has no account behind it."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.api import ScopedPrimaryKeyField, ScopedViewSetMixin
from zugong.core.roles import Action
from zugong.core.scope import grant_paths
from zugong.orgs.models import Organization

from . import selectors, services
from .builtins import Kind
from .models import Evaluation, Subject, VoterClass
from .services import MAX_CODES


class SubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["id", "kind", "label", "person", "team", "org", "position"]
        read_only_fields = ["id", "position"]
        extra_kwargs = {
            "person": {"required": False},
            "team": {"required": False},
            "org": {"required": False},
        }


class VoterClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = VoterClass
        fields = ["id", "name", "weight", "expected", "position"]
        read_only_fields = ["id", "position"]


class EvaluationSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    subjects = SubjectSerializer(many=True, read_only=True)
    voter_classes = VoterClassSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id", "title", "kind", "org", "org_name", "opens_at", "closes_at", "mode", "note", "spec",
            "subjects", "voter_classes", "archived_at",
        ]  # fmt: skip
        read_only_fields = fields


class SubjectInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Subject.Kind.choices)
    label = serializers.CharField(max_length=200)


class VoterClassInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=100)
    expected = serializers.IntegerField(min_value=0, max_value=100_000)


class EvaluationCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Kind.choices)
    org = ScopedPrimaryKeyField(queryset=Organization.objects.all())
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    subjects = SubjectInputSerializer(many=True)
    voter_classes = VoterClassInputSerializer(many=True)
    spec = serializers.JSONField(required=False, help_text="不填则使用该类型的内置测评表")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CodesInputSerializer(serializers.Serializer):
    voter_class = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    count = serializers.IntegerField(min_value=1, max_value=MAX_CODES)


class CodesSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    codes = serializers.ListField(
        child=serializers.CharField(), help_text="测评码明文，只在此次返回，系统不保存"
    )


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


@extend_schema_view(
    list=extend_schema(summary="测评列表"),
    retrieve=extend_schema(summary="测评详情（测评表、对象、参评人员类别）"),
    create=extend_schema(summary="新建测评（试用状态）", request=EvaluationCreateSerializer),
    codes=extend_schema(
        summary="生成测评码（明文只返回这一次）", request=CodesInputSerializer, responses=CodesSerializer
    ),
    void=extend_schema(summary="作废测评码", request=CodeSerializer, responses=None),
    live=extend_schema(summary="转为正式（删除试用选票，作废试用测评码）", request=None),
    archive=extend_schema(summary="归档测评", request=ReasonSerializer),
    results=extend_schema(
        summary="测评结果（各对象各题的票数、占比、加权占比、好评率、满意度指数）",
        responses=OpenApiTypes.OBJECT,
    ),
)
@extend_schema(tags=["测评"])
class EvaluationViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Evaluation.objects.select_related("org").prefetch_related("subjects", "voter_classes")
    serializer_class = EvaluationSerializer
    scope_actions = {
        "codes": Action.CHANGE,
        "void": Action.CHANGE,
        "live": Action.CHANGE,
        "results": Action.VIEW,
    }

    def check_permissions(self, request):
        super().check_permissions(request)
        if not grant_paths(request.user, Action.VIEW):
            self.permission_denied(request, message="您没有办理测评业务的权限。")

    def get_queryset(self):
        return super().get_queryset().order_by("-opens_at", "-id")

    def create(self, request, *args, **kwargs):
        data = EvaluationCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["subjects"] = [dict(s) for s in values["subjects"]]
        values["voter_classes"] = [dict(v) for v in values["voter_classes"]]
        evaluation = services.create_evaluation(actor=self.actor, **values)
        return Response(
            EvaluationSerializer(self.queryset.get(pk=evaluation.pk)).data, status=status.HTTP_201_CREATED
        )

    @action(detail=True, methods=["post"])
    def codes(self, request, pk=None):
        evaluation = self.get_object()
        data = CodesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voter_class = VoterClass.objects.filter(
            evaluation=evaluation, pk=data.validated_data["voter_class"]
        ).first()
        if voter_class is None:
            raise serializers.ValidationError({"voter_class": "参评人员类别不属于该测评。"})
        batch, codes = services.issue_codes(
            actor=self.actor,
            evaluation=evaluation,
            voter_class=voter_class,
            count=data.validated_data["count"],
        )
        response = Response({"batch": batch.pk, "codes": codes}, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "private, no-store"
        return response

    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        evaluation = self.get_object()
        data = CodeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.void_code(actor=self.actor, evaluation=evaluation, code=data.validated_data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"])
    def live(self, request, pk=None):
        result = services.go_live(actor=self.actor, evaluation=self.get_object())
        return Response(result)

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        evaluation = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.archive_evaluation(
            actor=self.actor, evaluation=evaluation, reason=data.validated_data["reason"]
        )
        return Response(EvaluationSerializer(self.queryset.get(pk=evaluation.pk)).data)

    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        return Response(results_json(selectors.results(self.get_object())))


def results_json(data: dict) -> dict:
    """The selector's results with plain values (ids and names instead of model objects)."""
    return {
        "evaluation": data["evaluation"].pk,
        "ballots": data["ballots"],
        "turnout": [
            {"voter_class": t["voter_class"].pk, "name": t["voter_class"].name, "weight": t["voter_class"].weight,
             "ballots": t["ballots"], "expected": t["expected"], "rate": t["rate"]}
            for t in data["turnout"]
        ],
        "subjects": [
            {"subject": row["subject"].pk, "label": row["subject"].label, "items": row["items"]}
            for row in data["subjects"]
        ],
    }  # fmt: skip

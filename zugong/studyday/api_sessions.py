"""Staff API of the sessions (学习日 and 三会一课): the sessions with their figures, their expected attendees and
roster, attendance marked by the organizer, closing the attendance, reminders for missing notes, cancelling;
the leave requests (请假) to decide; the notes and reflections (笔记、心得) to review. The same services and
selectors as the pages."""

from __future__ import annotations

import django_filters
from django.db.models import Count
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zugong.core.roles import Action

from . import selectors, services, services_attendance, services_notes
from .api_base import (
    DateFilter,
    IdFilter,
    OrgSubtreeFilterSet,
    StaffViewSetMixin,
    StudyDecideSerializer,
    StudyReasonSerializer,
    org_for,
    rate_text,
)
from .choices import SessionKind
from .forms import MAX_ID, parse_id
from .models import Attendance, LeaveRequest, PlanItem, Session, Submission

TAG = "星期四学习日"
PERSON_IDS = serializers.ListField(
    child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
    max_length=services.MAX_EXPECTED,
    required=False,
    label="应到人员（人员 id）",
)

# --- sessions (会议活动) -----------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    expected_count = serializers.IntegerField(source="n_expected", read_only=True, default=None)

    class Meta:
        model = Session
        fields = ["id", "org", "org_name", "kind", "kind_display", "title", "plan_item", "organizer", "place",
                  "starts_at", "ends_at", "late_after", "signin_before", "expected_mode", "needs_notes",
                  "expected_count", "closed_at", "archived_at", "archived_reason", "created_at"]  # fmt: skip
        read_only_fields = fields


class SessionDetailSerializer(SessionSerializer):
    summary = serializers.SerializerMethodField(label="考勤与笔记统计")
    files = serializers.SerializerMethodField(label="附件")

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "agenda", "minutes", "summary", "files"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_summary(self, session) -> dict:
        data = selectors.session_summary(session)
        data["rate"] = rate_text(data["rate"])
        return data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_files(self, session) -> list[dict]:
        return list(session.files.values("id", "name", "content_type", "size"))


class SessionInputSerializer(serializers.Serializer):
    """The service checks lengths, the window and the numbers (its Chinese messages)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True, label="主题")
    organizer = serializers.CharField(max_length=100, required=False, allow_blank=True, label="主持人")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, label="地点")
    starts_at = serializers.DateTimeField(required=False, label="开始时间")
    ends_at = serializers.DateTimeField(required=False, label="结束时间")
    late_after = serializers.IntegerField(required=False, label="迟到界限（分钟）")
    signin_before = serializers.IntegerField(required=False, label="提前签到（分钟）")
    agenda = serializers.CharField(max_length=5000, required=False, allow_blank=True, label="议程")
    minutes = serializers.CharField(max_length=20000, required=False, allow_blank=True, label="会议记录")
    needs_notes = serializers.BooleanField(required=False, label="需交笔记和心得")


class SessionCreateSerializer(SessionInputSerializer):
    org = serializers.IntegerField(min_value=1, label="党组织")
    kind = serializers.ChoiceField(choices=SessionKind.choices, label="类型")
    expected_mode = serializers.ChoiceField(
        choices=Session.Expected.choices, required=False, label="应到人员：members 全体党员 / chosen 指定人员"
    )
    person_ids = PERSON_IDS
    plan_item = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, label="学习计划安排"
    )


class ExpectedSerializer(serializers.Serializer):
    person_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=services.MAX_EXPECTED,
        label="应到人员（人员 id）",
    )


class MarksSerializer(serializers.Serializer):
    marks = serializers.DictField(
        child=serializers.CharField(max_length=10),
        allow_empty=False,
        label="{人员 id: present 出席 / late 迟到 / leave 请假 / absent 缺席 / expected 未签到}",
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", label="备注")

    def validate_marks(self, value):
        if len(value) > services.MAX_EXPECTED:
            raise serializers.ValidationError(f"一次最多登记 {services.MAX_EXPECTED} 人。")
        marks = {}
        for key, status_ in value.items():
            person_id = parse_id(key)
            if person_id is None:
                raise serializers.ValidationError("人员编号不正确。")
            marks[person_id] = status_
        return marks


class RosterSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    marked_by_name = serializers.CharField(source="marked_by.display_name", read_only=True, default="")
    notes_status = serializers.CharField(read_only=True, help_text="笔记状态：空为未交")

    class Meta:
        model = Attendance
        fields = ["id", "person", "person_name", "status", "status_display", "method", "method_display",
                  "signed_at", "marked_by_name", "note", "notes_status"]  # fmt: skip
        read_only_fields = fields


class SessionFilter(OrgSubtreeFilterSet):
    kind = django_filters.ChoiceFilter(label="类型", choices=SessionKind.choices)
    date_from = DateFilter(label="开始日期不早于", field_name="starts_at", lookup_expr="date__gte")
    date_to = DateFilter(label="开始日期不晚于", field_name="starts_at", lookup_expr="date__lte")
    cancelled = django_filters.BooleanFilter(label="已取消", method="filter_cancelled")

    class Meta:
        model = Session
        fields = ["org", "kind", "date_from", "date_to", "cancelled"]

    @property
    def qs(self):
        qs = super().qs
        if (getattr(self.form, "cleaned_data", {}) if self.is_bound else {}).get("cancelled") is None:
            qs = qs.filter(archived_at__isnull=True)
        return qs

    def filter_cancelled(self, queryset, name, value):
        return queryset.filter(archived_at__isnull=not value)


SESSION_QUERYSET = Session.objects.select_related("org")


@extend_schema_view(
    list=extend_schema(summary="会议活动（筛选：kind、org 含下级、date_from、date_to、cancelled）"),
    retrieve=extend_schema(summary="会议活动详情（含考勤与笔记统计）", responses=SessionDetailSerializer),
    create=extend_schema(
        summary="登记会议活动（应到人员：本组织全体党员，或指定人员 person_ids）",
        request=SessionCreateSerializer,
        responses={201: SessionDetailSerializer},
    ),
    update=extend_schema(
        summary="修改会议活动、议程、会议记录（未给出的字段不变）",
        request=SessionInputSerializer,
        responses=SessionDetailSerializer,
    ),
    partial_update=extend_schema(
        summary="修改会议活动（部分字段）", request=SessionInputSerializer, responses=SessionDetailSerializer
    ),
    cancel=extend_schema(summary="取消会议活动（记录保留，不计入落实情况）", request=StudyReasonSerializer,
                         responses=SessionDetailSerializer),
    expected=extend_schema(summary="设定应到人员名单（未签到且未被选中的移出）", request=ExpectedSerializer,
                           responses=OpenApiTypes.OBJECT),
    attendance=extend_schema(summary="组织者登记考勤", request=MarksSerializer, responses=OpenApiTypes.OBJECT),
    close=extend_schema(summary="结束考勤（未签到且未请假的记为缺席，签到停止）", request=None,
                        responses=OpenApiTypes.OBJECT),
    remind=extend_schema(summary="提醒未交笔记和心得的党员（每人每天至多一次）", request=None,
                         responses=OpenApiTypes.OBJECT),
    roster=extend_schema(summary="应到人员及考勤、笔记状态（姓氏笔画排序）", responses=RosterSerializer(many=True)),
)  # fmt: skip
@extend_schema(tags=[TAG])
class SessionViewSet(
    StaffViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = SESSION_QUERYSET.order_by("-starts_at", "-id")
    serializer_class = SessionSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = SessionFilter
    scope_actions = {
        "cancel": Action.ARCHIVE,
        "expected": Action.CHANGE,
        "attendance": Action.CHANGE,
        "close": Action.CHANGE,
        "remind": Action.CHANGE,
        "roster": Action.VIEW,
    }

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.annotate(n_expected=Count("attendance")) if self.action == "list" else qs

    def get_serializer_class(self):
        return SessionDetailSerializer if self.action == "retrieve" else SessionSerializer

    def _respond(self, session, status_code=status.HTTP_200_OK):
        return Response(SessionDetailSerializer(SESSION_QUERYSET.get(pk=session.pk)).data, status=status_code)

    def create(self, request, *args, **kwargs):
        data = self._input(SessionCreateSerializer)
        org = org_for(request.user, data.pop("org"), Action.ADD)
        kind, person_ids = data.pop("kind"), data.pop("person_ids", None)
        plan_item = None
        if item_id := data.pop("plan_item", None):
            plan_item = PlanItem.objects.restrict(request.user, Action.VIEW).filter(pk=item_id).first()
            if plan_item is None:
                raise serializers.ValidationError({"plan_item": "学习计划安排不存在或不在您的授权范围内。"})
        session = services.create_session(
            actor=self.actor, org=org, kind=kind, data=data, person_ids=person_ids, plan_item=plan_item
        )
        return self._respond(session, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        session = self.get_object()
        given = self._input(SessionInputSerializer, partial=True)
        current = {name: getattr(session, name) for name in SessionInputSerializer().fields}
        session = services.update_session(actor=self.actor, session=session, data=current | given)
        return self._respond(session)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        session = self.get_object()
        reason = self._input(StudyReasonSerializer)["reason"]
        return self._respond(services.cancel_session(actor=self.actor, session=session, reason=reason))

    @action(detail=True, methods=["post"])
    def expected(self, request, pk=None):
        session = self.get_object()
        person_ids = self._input(ExpectedSerializer)["person_ids"]
        added, removed = services.set_expected(actor=self.actor, session=session, person_ids=person_ids)
        return Response({"added": added, "removed": removed})

    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        session = self.get_object()
        data = self._input(MarksSerializer)
        changed = services_attendance.mark_attendance(
            actor=self.actor, session=session, marks=data["marks"], note=data["note"]
        )
        return Response({"changed": changed})

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        absent = services_attendance.close_attendance(actor=self.actor, session=self.get_object())
        return Response({"absent": absent})

    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        sent = services_notes.remind_missing(actor=self.actor, session=self.get_object())
        return Response({"sent": sent})

    @action(detail=True, methods=["get"])
    def roster(self, request, pk=None):
        page = self.paginate_queryset(selectors.session_roster(self.get_object()))
        return self.get_paginated_response(RosterSerializer(page, many=True).data)


# --- leave requests (请假) ---------------------------------------------------------------------------------


class LeaveSerializer(serializers.ModelSerializer):
    session_title = serializers.CharField(source="session.title", read_only=True)
    session_starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decided_by_name = serializers.CharField(source="decided_by.display_name", read_only=True, default="")

    class Meta:
        model = LeaveRequest
        fields = ["id", "session", "session_title", "session_starts_at", "person", "person_name", "reason",
                  "status", "status_display", "created_at", "decided_by_name", "decided_at", "comment"]  # fmt: skip
        read_only_fields = fields


class LeaveFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=LeaveRequest.Status.choices)
    session = IdFilter(label="会议活动", field_name="session_id")

    class Meta:
        model = LeaveRequest
        fields = ["status", "session"]


@extend_schema_view(
    list=extend_schema(summary="请假申请（筛选：status、session）"),
    retrieve=extend_schema(summary="请假申请详情"),
    decide=extend_schema(
        summary="审批请假（批准则考勤记为请假；不批准须说明理由）",
        request=StudyDecideSerializer,
        responses=LeaveSerializer,
    ),
)
@extend_schema(tags=[TAG])
class LeaveViewSet(
    StaffViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = LeaveRequest.objects.select_related("session", "person", "decided_by").order_by(
        "-created_at", "-id"
    )
    serializer_class = LeaveSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = LeaveFilter
    scope_actions = {"decide": Action.CHANGE}

    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        leave = self.get_object()
        data = self._input(StudyDecideSerializer)
        leave = services_attendance.decide_leave(actor=self.actor, leave=leave, **data)
        return Response(LeaveSerializer(self.queryset.get(pk=leave.pk)).data)


# --- notes and reflections (笔记、心得) ---------------------------------------------------------------------


class SubmissionSerializer(serializers.ModelSerializer):
    session_title = serializers.CharField(source="session.title", read_only=True)
    person_name = serializers.CharField(source="person.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reviewed_by_name = serializers.CharField(source="reviewed_by.display_name", read_only=True, default="")

    class Meta:
        model = Submission
        fields = ["id", "session", "session_title", "person", "person_name", "status", "status_display",
                  "submitted_at", "file_name", "file_type", "file_size", "reviewed_by_name", "reviewed_at",
                  "comment"]  # fmt: skip
        read_only_fields = fields


class SubmissionDetailSerializer(SubmissionSerializer):
    class Meta(SubmissionSerializer.Meta):
        fields = [*SubmissionSerializer.Meta.fields, "notes", "reflection"]
        read_only_fields = fields


class SubmissionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=Submission.Status.choices)
    session = IdFilter(label="会议活动", field_name="session_id")
    person = IdFilter(label="党员", field_name="person_id")

    class Meta:
        model = Submission
        fields = ["status", "session", "person"]


@extend_schema_view(
    list=extend_schema(summary="笔记与心得（筛选：status、session、person）"),
    retrieve=extend_schema(summary="笔记与心得全文", responses=SubmissionDetailSerializer),
    review=extend_schema(
        summary="审阅（通过，或退回并说明理由）",
        request=StudyDecideSerializer,
        responses=SubmissionDetailSerializer,
    ),
    file=extend_schema(
        summary="下载笔记附件（照片或 PDF；下载记入审计）",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
)
@extend_schema(tags=[TAG])
class SubmissionViewSet(
    StaffViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Submission.objects.select_related("session", "person", "reviewed_by").order_by(
        "-submitted_at", "-id"
    )
    serializer_class = SubmissionSerializer
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = SubmissionFilter
    scope_actions = {"review": Action.CHANGE, "file": Action.VIEW}

    def get_serializer_class(self):
        return SubmissionDetailSerializer if self.action == "retrieve" else SubmissionSerializer

    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        submission = self.get_object()
        data = self._input(StudyDecideSerializer)
        submission = services_notes.review_submission(actor=self.actor, submission=submission, **data)
        return Response(SubmissionDetailSerializer(self.queryset.get(pk=submission.pk)).data)

    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        name, content_type, data = services_notes.submission_file(
            actor=self.actor, submission=self.get_object()
        )
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response


def register(router) -> None:
    router.register("studyday/sessions", SessionViewSet, basename="api-studyday-session")
    router.register("studyday/leave-requests", LeaveViewSet, basename="api-studyday-leave")
    router.register("studyday/submissions", SubmissionViewSet, basename="api-studyday-submission")

"""The member's own API (学习日, 本人): the sessions they are expected at with their attendance and their notes'
state, 签到 with the room's code, 提交笔记和心得 (multipart, or JSON with the file in base64), 请假 and its
withdrawal. Every row is read by the caller's own person (``user.person_id``), never through a staff scope: a
session the caller is not expected at is a 404 like one that does not exist. Writes go through
``services_attendance`` / ``services_notes``; their refusals become 400 / 403 with the same Chinese message."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from zugong.core.api import api_validation_error
from zugong.core.roles import Action
from zugong.core.scope import self_person_id

from . import selectors, services_attendance, services_notes
from .forms import MAX_ID
from .forms_mine import MAX_FILE_BYTES
from .models import Attendance, LeaveRequest, Submission

TAG = "学习日（本人）"
SIGNED = (Attendance.Status.PRESENT, Attendance.Status.LATE)


class MemberOnly(permissions.IsAuthenticated):
    """A logged-in user whose account is linked to a person (党员)."""

    message = "您的账号没有关联党员信息。"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and bool(self_person_id(request.user, Action.VIEW))


class MemberViewSetMixin:
    permission_classes = [MemberOnly]
    lookup_value_regex = r"\d+"

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


# ---- serializers ------------------------------------------------------------------------------------------


class MySessionSerializer(serializers.ModelSerializer):
    """One session the member is expected at, with their own attendance (``status``: after the end,
    未签到 is 缺席), their notes (``notes_status``: submitted / reviewed / returned, ``due`` when the session has
    started and wants notes not yet handed in, else empty) and their latest leave request's status."""

    id = serializers.IntegerField(source="session.id", read_only=True)
    kind = serializers.CharField(source="session.kind", read_only=True)
    kind_display = serializers.CharField(source="session.get_kind_display", read_only=True)
    title = serializers.CharField(source="session.title", read_only=True)
    org = serializers.IntegerField(source="session.org_id", read_only=True)
    org_name = serializers.CharField(source="session.org.name", read_only=True)
    place = serializers.CharField(source="session.place", read_only=True)
    organizer = serializers.CharField(source="session.organizer", read_only=True)
    agenda = serializers.CharField(source="session.agenda", read_only=True)
    starts_at = serializers.DateTimeField(source="session.starts_at", read_only=True)
    ends_at = serializers.DateTimeField(source="session.ends_at", read_only=True)
    late_after = serializers.IntegerField(source="session.late_after", read_only=True)
    signin_opens_at = serializers.SerializerMethodField()
    signin_open = serializers.SerializerMethodField()
    cancelled = serializers.SerializerMethodField()
    needs_notes = serializers.BooleanField(source="session.needs_notes", read_only=True)
    status = serializers.SerializerMethodField()
    status_display = serializers.SerializerMethodField()
    method_display = serializers.CharField(source="get_method_display", read_only=True)
    notes_status = serializers.SerializerMethodField()
    leave_status = serializers.SerializerMethodField()

    class Meta:
        model = Attendance
        fields = [
            "id", "kind", "kind_display", "title", "org", "org_name", "place", "organizer", "agenda",
            "starts_at", "ends_at", "late_after", "signin_opens_at", "signin_open", "cancelled", "needs_notes",
            "status", "status_display", "signed_at", "method", "method_display", "notes_status", "leave_status",
        ]  # fmt: skip
        read_only_fields = fields

    def get_signin_opens_at(self, row) -> str:
        return serializers.DateTimeField().to_representation(row.session.signin_opens_at())

    def get_signin_open(self, row) -> bool:
        return row.status not in SIGNED and row.session.is_signin_open()

    def get_cancelled(self, row) -> bool:
        return row.session.archived_at is not None

    def get_status(self, row) -> str:
        return row.effective_status

    def get_status_display(self, row) -> str:
        return Attendance.Status(row.effective_status).label

    def get_notes_status(self, row) -> str:
        notes = getattr(row, "my_notes", None)
        if notes:
            return notes
        session = row.session
        started = timezone.now() >= session.starts_at
        return "due" if session.needs_notes and started and session.archived_at is None else ""

    def get_leave_status(self, row) -> str:
        return getattr(row, "my_leave", None) or ""


class MySubmissionSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id", "session", "status", "status_display", "notes", "reflection", "file_name", "file_type",
            "file_size", "submitted_at", "reviewed_at", "comment",
        ]  # fmt: skip
        read_only_fields = fields


class MyLeaveSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    session_title = serializers.CharField(source="session.title", read_only=True)

    class Meta:
        model = LeaveRequest
        fields = [
            "id", "session", "session_title", "reason", "status", "status_display", "created_at",
            "decided_at", "comment",
        ]  # fmt: skip
        read_only_fields = fields


class MySignInInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20, label="签到码", help_text="会场屏幕上显示的 6 位数字")


class MySignInResultSerializer(serializers.Serializer):
    signed = serializers.BooleanField(help_text="本次调用是否完成签到（已签到过为 false）")
    detail = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    signed_at = serializers.DateTimeField(allow_null=True)


class MyNotesInputSerializer(serializers.Serializer):
    """The notes and reflection; the photo or PDF as multipart ``file``, or in JSON as ``file_base64`` with
    ``file_name``. JPG, PNG or PDF (its type read from its bytes), at most 5 MB."""

    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, label="学习笔记")
    reflection = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, label="心得体会"
    )
    file = serializers.FileField(required=False, allow_empty_file=True, label="笔记照片或 PDF")
    file_base64 = serializers.CharField(required=False, write_only=True, label="附件（base64）")
    file_name = serializers.CharField(max_length=200, required=False, label="附件文件名")

    def validate(self, attrs):
        upload, encoded = attrs.pop("file", None), attrs.pop("file_base64", None)
        name = (attrs.pop("file_name", "") or "").strip()
        too_large = f"附件不能超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。"
        if upload is not None and encoded is not None:
            raise serializers.ValidationError({"file": "附件请只用一种方式上传（文件或 base64）。"})
        data = b""
        if upload is not None:
            if upload.size > MAX_FILE_BYTES:
                raise serializers.ValidationError({"file": too_large})
            name, data = name or upload.name, upload.read()
            if not data:
                raise serializers.ValidationError({"file": "附件是空文件。"})
        elif encoded is not None:
            if not name:
                raise serializers.ValidationError({"file_name": "请填写附件的文件名。"})
            if len(encoded) > (MAX_FILE_BYTES + 2) // 3 * 4 + 4:
                raise serializers.ValidationError({"file_base64": too_large})
            try:
                data = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise serializers.ValidationError({"file_base64": "附件的 base64 编码不正确。"}) from None
        attrs["file_name"], attrs["file_data"] = (name[:200] if data else ""), data
        return attrs


class MyLeaveInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, allow_blank=True, label="请假事由")


# ---- viewsets ---------------------------------------------------------------------------------------------


def _annotated(qs, person_id: int):
    """The member's notes status and latest leave status, as two subqueries (no query per row)."""
    return qs.annotate(
        my_notes=Subquery(
            Submission.objects.filter(session_id=OuterRef("session_id"), person_id=person_id).values(
                "status"
            )[:1]
        ),
        my_leave=Subquery(
            LeaveRequest.objects.filter(session_id=OuterRef("session_id"), person_id=person_id)
            .order_by("-created_at", "-id")
            .values("status")[:1]
        ),
    )


@extend_schema_view(
    list=extend_schema(
        summary="我的会议活动（本人应参加的；upcoming=true 未结束，false 已结束）",
        parameters=[
            OpenApiParameter("upcoming", bool, required=False, description="true：未结束；false：已结束")
        ],
    ),
    retrieve=extend_schema(summary="我的会议活动详情（路径参数为会议活动编号）"),
    signin=extend_schema(
        summary="签到（输入会场屏幕上的签到码；已签到的再次签到不改变记录）",
        request=MySignInInputSerializer,
        responses=MySignInResultSerializer,
    ),
    notes=extend_schema(methods=["GET"], summary="我提交的笔记和心得", responses=MySubmissionSerializer),
    notes_file=extend_schema(
        summary="下载我提交的笔记附件",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
    leave=extend_schema(
        summary="请假（会议活动结束前，填写事由，由支部书记审批）",
        request=MyLeaveInputSerializer,
        responses={201: MyLeaveSerializer},
    ),
)
@extend_schema(tags=[TAG])
class MySessionViewSet(
    MemberViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MySessionSerializer
    queryset = Attendance.objects.none()  # for the schema; rows are the caller's own (get_queryset)
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []

    def get_queryset(self):
        user = self.request.user
        upcoming = {"true": True, "1": True, "false": False, "0": False}.get(
            str(self.request.query_params.get("upcoming", "")).lower()
        )
        qs = selectors.my_sessions(user, upcoming=upcoming)
        if upcoming is None:
            qs = qs.order_by("-session__starts_at", "-id")
        return _annotated(qs, user.person_id)

    def get_object(self):
        """The caller's own row of the session (cancelled ones too); a session they are not expected at, or
        that does not exist, is a 404."""
        user = self.request.user
        if int(self.kwargs["pk"]) > MAX_ID:  # a foreign key lookup would overflow SQLite: no such session
            raise Http404("记录不存在或不在您的授权范围内。")
        qs = Attendance.objects.select_related("session", "session__org").filter(
            person_id=user.person_id, session_id=self.kwargs["pk"]
        )
        row = _annotated(qs, user.person_id).first()
        if row is None:
            raise Http404("记录不存在或不在您的授权范围内。")
        return row

    @action(detail=True, methods=["post"])
    def signin(self, request, pk=None):
        row = self.get_object()
        code = self._input(MySignInInputSerializer)["code"]
        row, newly = services_attendance.sign_in(actor=request.user, session_id=row.session_id, code=code)
        when = f"，{timezone.localtime(row.signed_at):%H:%M}" if row.signed_at else ""
        text = f"{row.get_status_display()}{when}"
        body = {
            "signed": newly,
            "detail": f"签到成功（{text}）。" if newly else f"您已签到（{text}）。",
            "status": row.status,
            "status_display": row.get_status_display(),
            "signed_at": serializers.DateTimeField().to_representation(row.signed_at)
            if row.signed_at
            else None,
        }
        return Response(body)

    @extend_schema(
        methods=["POST"],
        summary="提交笔记和心得（会议活动开始后；已退回的可重新提交，已审阅的不能修改）",
        request={"multipart/form-data": MyNotesInputSerializer, "application/json": MyNotesInputSerializer},
        responses={201: MySubmissionSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        row = self.get_object()
        if request.method == "GET":
            submission = Submission.objects.filter(session_id=row.session_id, person_id=row.person_id).first()
            if submission is None:
                raise Http404("尚未提交笔记和心得。")
            return Response(MySubmissionSerializer(submission).data)
        data = self._input(MyNotesInputSerializer)
        submission = services_notes.submit_notes(
            actor=request.user,
            session=row.session,
            notes=data.get("notes", ""),
            reflection=data.get("reflection", ""),
            file_name=data["file_name"],
            file_data=data["file_data"],
        )
        return Response(MySubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], url_path="notes/file", url_name="notes-file")
    def notes_file(self, request, pk=None):
        row = self.get_object()
        submission = Submission.objects.filter(session_id=row.session_id, person_id=row.person_id).first()
        if submission is None:
            raise Http404("尚未提交笔记和心得。")
        name, content_type, data = services_notes.submission_file(actor=request.user, submission=submission)
        response = HttpResponse(data, content_type=content_type)
        response["Content-Disposition"] = content_disposition_header(True, name)
        response["X-Content-Type-Options"] = "nosniff"
        add_never_cache_headers(response)
        return response

    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        row = self.get_object()
        reason = self._input(MyLeaveInputSerializer)["reason"]
        leave = services_attendance.request_leave(actor=request.user, session=row.session, reason=reason)
        return Response(MyLeaveSerializer(leave).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="我的请假申请"),
    retrieve=extend_schema(summary="我的请假申请详情"),
    withdraw=extend_schema(summary="撤回待审批的请假申请", request=None, responses=MyLeaveSerializer),
)
@extend_schema(tags=[TAG])
class MyLeaveViewSet(
    MemberViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = MyLeaveSerializer
    queryset = LeaveRequest.objects.none()  # for the schema; rows are the caller's own (get_queryset)
    filter_backends: list = []

    def get_queryset(self):
        return (
            LeaveRequest.objects.filter(person_id=self.request.user.person_id)
            .select_related("session")
            .order_by("-created_at", "-id")
        )

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        leave = self.get_object()
        leave = services_attendance.withdraw_leave(actor=request.user, leave=leave)
        return Response(MyLeaveSerializer(leave).data)


def register(router) -> None:
    """Add this module's viewsets to the API router (called by zugong.api_urls)."""
    router.register("studyday/my/sessions", MySessionViewSet, basename="api-studyday-my-session")
    router.register("studyday/my/leave-requests", MyLeaveViewSet, basename="api-studyday-my-leave-request")

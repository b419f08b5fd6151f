"""API of 累计学分制, the office's actions: the online academy's import (upload a file: every row is checked,
all or nothing, a file imported before adds nothing) with its batches, and the reminders (催学) to cadres
behind the year's target, with the list of reminders sent. The same services as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from . import services, services_import
from .api import TrainingViewSetMixin
from .api_more import ValidationErrorMixin
from .models import ImportBatch, Reminder

# --- the online academy's import (网络学院学时导入) ---------------------------------------------------------


class ImportBatchSerializer(serializers.ModelSerializer):
    imported_by_name = serializers.CharField(source="imported_by.display_name", default="", read_only=True)

    class Meta:
        model = ImportBatch
        fields = ["id", "file_name", "sha256", "rows", "added", "skipped", "imported_by_name", "created_at"]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label="网络学院导出的 Excel 文件（.xlsx）")


class ImportIssueSerializer(serializers.Serializer):
    row = serializers.IntegerField(label="行号")
    column = serializers.CharField(label="列")
    message = serializers.CharField(label="问题")


class ImportRejectedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    rows = serializers.IntegerField(label="读到的数据行数")
    issues = ImportIssueSerializer(many=True, help_text="每一处问题（最多 1000 条）")


ISSUES_RETURNED = 1000


@extend_schema_view(
    list=extend_schema(summary="网络学院学时导入记录（干部教育科）"),
    retrieve=extend_schema(summary="导入记录详情"),
    create=extend_schema(
        summary="导入网络学院学时（先校验，全部正确才写入；重复导入同一文件不新增记录）",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={201: ImportBatchSerializer, 400: ImportRejectedSerializer},
    ),
)
@extend_schema(tags=["干部教育培训"])
class ImportBatchViewSet(
    ValidationErrorMixin,
    TrainingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = ImportBatch.objects.select_related("imported_by").order_by("-created_at", "-id")
    serializer_class = ImportBatchSerializer
    parser_classes = [MultiPartParser, FormParser]
    staff_only = True
    create_by_service = True
    filter_backends = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        services.ensure_training_office(request.user)  # the batches and the import are the office's

    def create(self, request, *args, **kwargs):
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        if file.size > services_import.MAX_BYTES:
            raise DjangoValidationError(
                {"file": f"文件不能超过 {services_import.MAX_BYTES // (1024 * 1024)} MB，未导入任何记录。"}
            )
        try:
            batch = services_import.run_import(actor=request.user, data=file.read(), file_name=file.name)
        except services_import.ImportRejected as rejected:
            issues = [
                {"row": i.row, "column": i.column, "message": i.message}
                for i in rejected.issues[:ISSUES_RETURNED]
            ]
            body = {"detail": str(rejected), "rows": rejected.rows, "issues": issues}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        batch = self.queryset.get(pk=batch.pk)
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)


# --- reminders (催学提醒) ---------------------------------------------------------------------------------


class TrainingReminderSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    sent_by_name = serializers.CharField(source="sent_by.display_name", default="", read_only=True)

    class Meta:
        model = Reminder
        fields = [
            "id", "person", "person_name", "year", "shortfall", "channel", "channel_display", "sent_by_name",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class TrainingReminderSendSerializer(serializers.Serializer):
    year = serializers.IntegerField(label="年度")
    person_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        label="干部（人员 id）",
        allow_empty=False,
    )
    channel = serializers.ChoiceField(choices=Reminder.Channel.choices, default=Reminder.Channel.SYSTEM)


class TrainingReminderSentSerializer(serializers.Serializer):
    sent = serializers.IntegerField(label="发送提醒数（已达标的干部不提醒）")


@extend_schema_view(
    list=extend_schema(summary="催学提醒记录"),
    retrieve=extend_schema(summary="催学提醒详情"),
    create=extend_schema(
        summary="发送催学提醒（第三、四季度；只提醒所选干部中未达标者）",
        request=TrainingReminderSendSerializer,
        responses={201: TrainingReminderSentSerializer},
    ),
)
@extend_schema(tags=["干部教育培训"])
class ReminderViewSet(
    ValidationErrorMixin,
    TrainingViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Reminder.objects.select_related("person", "sent_by").order_by("-created_at", "-id")
    serializer_class = TrainingReminderSerializer
    staff_only = True
    create_by_service = True
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["person", "year", "channel"]

    def create(self, request, *args, **kwargs):
        data = TrainingReminderSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sent = services.send_reminders(actor=request.user, **data.validated_data)
        return Response(TrainingReminderSentSerializer({"sent": sent}).data, status=status.HTTP_201_CREATED)

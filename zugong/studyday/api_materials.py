"""API of the materials library (学习资料, 仅供学习 禁止外传): the materials a user may read (list, detail, the
list's filters), upload and archive (staff), ``download`` — a copy stamped for the caller, recorded on the
register, returned as the file itself — the register of copies (staff, in scope) and the trace of a leaked
file or a copy code (泄露追查). Reads go through ``readable_materials`` / ``restrict``; writes through
``services_materials`` (their refusals become 400 / 403 with the same Chinese message)."""

from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from zugong.core.api import ScopedPrimaryKeyField, api_validation_error
from zugong.core.roles import Action
from zugong.core.scope import grant_paths, self_person_id
from zugong.orgs.models import Organization

from . import selectors_materials as selectors
from . import services_materials as services
from .api_base import IdFilter
from .models import Session
from .models_materials import Material, MaterialCopy

TAG = "学习资料"


class MaterialSerializer(serializers.ModelSerializer):
    org_name = serializers.CharField(source="org.name", read_only=True)
    file_kind_display = serializers.CharField(source="get_file_kind_display", read_only=True)
    session_title = serializers.CharField(source="session.title", read_only=True, default="")

    class Meta:
        model = Material
        fields = [
            "id", "org", "org_name", "session", "session_title", "title", "description", "file_kind",
            "file_kind_display", "file_name", "content_type", "size", "created_at", "archived_at",
            "archived_reason",
        ]  # fmt: skip
        read_only_fields = fields


def _file_from(attrs: dict, *, limit: int, required: bool) -> tuple[str, bytes] | None:
    """(name, bytes) from a multipart ``file`` or from ``file_base64`` with ``file_name`` in JSON."""
    upload, encoded = attrs.pop("file", None), attrs.pop("file_base64", None)
    name = (attrs.pop("file_name", "") or "").strip()
    if upload is not None and encoded is not None:
        raise serializers.ValidationError({"file": "文件请只用一种方式上传（文件或 base64）。"})
    if upload is not None:
        if upload.size > limit:
            raise serializers.ValidationError({"file": f"文件不能超过 {limit // services.MB} MB。"})
        return name or upload.name, upload.read()
    if encoded is not None:
        if len(encoded) > limit * 4 // 3 + 4:
            raise serializers.ValidationError({"file_base64": f"文件不能超过 {limit // services.MB} MB。"})
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError({"file_base64": "文件的 base64 编码不正确。"}) from None
        return name or "file", data
    if required:
        raise serializers.ValidationError(
            {"file": "请上传文件（multipart 的 file，或 JSON 的 file_base64）。"}
        )
    return None


class MaterialCreateSerializer(serializers.Serializer):
    """The file as multipart ``file``, or in JSON as ``file_base64`` with ``file_name``."""

    org = ScopedPrimaryKeyField(queryset=Organization.objects.all(), label="发布组织")
    title = serializers.CharField(max_length=200, label="标题")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, label="简介")
    session = ScopedPrimaryKeyField(
        queryset=Session.objects.all(), required=False, allow_null=True, label="关联会议"
    )
    file = serializers.FileField(required=False, label="文件（PDF、Word .docx、JPG、PNG）")
    file_base64 = serializers.CharField(required=False, write_only=True, label="文件（base64）")
    file_name = serializers.CharField(max_length=200, required=False, label="文件名")

    def validate(self, attrs):
        attrs["file_name"], attrs["data"] = _file_from(attrs, limit=services.MAX_BYTES, required=True)
        return attrs


class MaterialArchiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, label="归档原因")


class ReaderOnly(permissions.IsAuthenticated):
    """The library is for staff and 党员; the 三员 read none of it."""

    message = "您没有阅读学习资料的权限。"

    def has_permission(self, request, view):
        user = request.user
        return super().has_permission(request, view) and (
            selectors.is_library_staff(user) or self_person_id(user, Action.VIEW) is not None
        )


class StaffOnly(permissions.IsAuthenticated):
    message = "只有组织部门和党组织的工作人员可以办理此项工作。"

    def has_permission(self, request, view):
        return super().has_permission(request, view) and selectors.is_library_staff(request.user)


class DjangoErrorsMixin:
    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            exc = api_validation_error(exc)
        return super().handle_exception(exc)


def _file_response(issued: services.IssuedCopy) -> HttpResponse:
    response = HttpResponse(issued.data, content_type=issued.content_type)
    response["Content-Disposition"] = content_disposition_header(True, issued.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Zugong-Copy"] = issued.copy.code
    add_never_cache_headers(response)
    response["Cache-Control"] += ", no-store"
    return response


@extend_schema_view(
    list=extend_schema(summary="可阅读的学习资料（本组织及上级组织发布的）"),
    retrieve=extend_schema(summary="学习资料详情"),
    create=extend_schema(
        summary="上传学习资料（PDF、Word .docx、JPG、PNG）", request=MaterialCreateSerializer
    ),
    archive=extend_schema(summary="归档学习资料（不再发放副本）", request=MaterialArchiveSerializer),
    download=extend_schema(
        summary="领取一份带本人水印的副本（登记在领取登记中），返回文件本身",
        request=None,
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    ),
)
@extend_schema(tags=[TAG])
class MaterialViewSet(
    DjangoErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Material.objects.none()
    serializer_class = MaterialSerializer
    permission_classes = [ReaderOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.MaterialFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Material.objects.none()
        return selectors.materials_for(self.request.user)

    def get_object(self):
        material = selectors.material_for_reader(self.request.user, self.kwargs["pk"])
        if material is None:
            raise Http404("资料不存在、已归档或不在您的阅读范围内。")
        return material

    def create(self, request, *args, **kwargs):
        if not grant_paths(request.user, Action.ADD):
            self.permission_denied(request, message="您没有上传学习资料的权限。")
        data = MaterialCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        material = services.material_upload(actor=request.user, **data.validated_data)
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        # Staff open archived ones too; a reader who may not archive gets the service's 403.
        material = Material.objects.restrict(request.user, Action.VIEW).filter(pk=pk).first()
        material = material or selectors.material_for_reader(request.user, pk)
        if material is None:
            raise Http404("资料不存在或不在您的授权范围内。")
        data = MaterialArchiveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        material = services.material_archive(
            actor=request.user, material=material, reason=data.validated_data["reason"]
        )
        return Response(MaterialSerializer(material).data)

    @action(detail=True, methods=["post"])
    def download(self, request, pk=None):
        material = self.get_object()
        issued = services.copy_issue(
            actor=request.user, material=material, purpose=MaterialCopy.Purpose.DOWNLOAD
        )
        return _file_response(issued)


# ---- the register and the trace -----------------------------------------------------------------------------


class MaterialCopySerializer(serializers.ModelSerializer):
    material_title = serializers.CharField(source="material.title", read_only=True)
    org_name = serializers.CharField(source="material.org.name", read_only=True)
    reader_username = serializers.CharField(source="reader.username", read_only=True, default="")
    purpose_display = serializers.CharField(source="get_purpose_display", read_only=True)

    class Meta:
        model = MaterialCopy
        fields = [
            "id", "code", "material", "material_title", "org_name", "reader", "reader_username",
            "reader_name", "person", "purpose", "purpose_display", "issued_at", "ip", "sha256",
        ]  # fmt: skip
        read_only_fields = fields


class MaterialTraceSerializer(serializers.Serializer):
    """A leaked file (multipart ``file``, or ``file_base64`` with ``file_name``), or a copy ``code``."""

    file = serializers.FileField(required=False, label="泄露的文件")
    file_base64 = serializers.CharField(required=False, write_only=True, label="泄露的文件（base64）")
    file_name = serializers.CharField(max_length=200, required=False, label="文件名")
    code = serializers.CharField(max_length=20, required=False, allow_blank=True, label="副本编号")

    def validate(self, attrs):
        found = _file_from(attrs, limit=services.TRACE_MAX_BYTES, required=False)
        attrs["file_name"], attrs["data"] = found if found else ("", None)
        if attrs["data"] is None and not (attrs.get("code") or "").strip():
            raise serializers.ValidationError("请上传泄露的文件，或输入副本编号。")
        return attrs


class MaterialTraceResultSerializer(serializers.Serializer):
    found = serializers.BooleanField(help_text="是否查到（范围外的副本与不存在的一样，答“未找到”）")
    method = serializers.CharField(help_text="sha256 / mark / code / original / none")
    message = serializers.CharField()
    code = serializers.CharField(help_text="读出或输入的副本编号")
    copy = MaterialCopySerializer(allow_null=True)
    material = MaterialSerializer(allow_null=True, help_text="文件是某资料的原始文件时")


class CopyApiFilter(selectors.CopyFilter):
    material = IdFilter(label="学习资料", field_name="material_id")


@extend_schema_view(
    list=extend_schema(summary="领取登记（授权范围内资料的副本）"),
    retrieve=extend_schema(summary="一份副本的领取记录"),
    trace=extend_schema(
        summary="泄露追查：上传外传的文件，或输入副本编号",
        request=MaterialTraceSerializer,
        responses=MaterialTraceResultSerializer,
    ),
)
@extend_schema(tags=[TAG])
class MaterialCopyViewSet(
    DjangoErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = MaterialCopy.objects.none()
    serializer_class = MaterialCopySerializer
    permission_classes = [StaffOnly]
    filter_backends = [DjangoFilterBackend]
    filterset_class = CopyApiFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MaterialCopy.objects.none()
        return selectors.copies_for(self.request.user)

    @action(detail=False, methods=["post"])
    def trace(self, request):
        data = MaterialTraceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.material_trace(
            actor=request.user,
            data=values["data"],
            file_name=values["file_name"],
            code=values.get("code", ""),
        )
        body = {
            "found": result.found,
            "method": result.method,
            "message": result.message,
            "code": result.code or services.normalize_code(values.get("code", "")),
            "copy": MaterialCopySerializer(result.copy).data if result.copy else None,
            "material": MaterialSerializer(result.material).data if result.material else None,
        }
        return Response(body)


def register(router) -> None:
    """Add this module's viewsets to the API router (called by zugong.api_urls)."""
    router.register("studyday/materials", MaterialViewSet, basename="api-studyday-material")
    router.register("studyday/material-copies", MaterialCopyViewSet, basename="api-studyday-material-copy")

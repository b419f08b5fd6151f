"""Read-only API of the audit log, for the 审计管理员 only; the page's filter serves it too."""

from rest_framework import permissions, serializers, viewsets

from zugong.core.models import AuditEvent

from .filters import AuditEventFilter
from .views import is_auditor


class IsAuditor(permissions.BasePermission):
    message = "只有审计管理员可以查看审计记录。"

    def has_permission(self, request, view):
        return is_auditor(request.user)


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_name",
            "ip",
            "request_id",
            "kind",
            "event",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "detail",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.order_by("-id")
    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, IsAuditor]
    filterset_class = AuditEventFilter
    ordering_fields = ["id", "at"]
    lookup_value_regex = r"\d+"

"""API of accounts: the current user (/api/me/) and token login (/api/auth/token/)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from zugong.core import audit
from zugong.core.netaddr import client_ip
from zugong.orgs.models import OrgStatus

from . import lockout, totp
from .backends import was_locked
from .models import RoleGrant, User


class GrantSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = RoleGrant
        fields = ["role", "role_display", "organization", "organization_name"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "person", "roles"]
        read_only_fields = fields

    @extend_schema_field(GrantSerializer(many=True))
    def get_roles(self, user):
        # The grants that take effect: those on organizations not dissolved (as the scope check reads them).
        grants = (
            RoleGrant.objects.filter(user=user, organization__status=OrgStatus.ACTIVE)
            .select_related("organization")
            .order_by("organization__path", "role")
        )
        return GrantSerializer(grants, many=True).data


@extend_schema(tags=["账号"], summary="当前用户及其角色授权", responses=MeSerializer)
class MeView(APIView):
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class TokenLoginSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        label="动态口令", required=False, write_only=True, help_text="账号启用了动态口令时必填（6 位数字）"
    )

    def validate(self, attrs):
        request = self.context.get("request")
        try:
            attrs = super().validate(attrs)
        except serializers.ValidationError:
            # A lock in force reads the same whether or not the password was right.
            if was_locked(request):
                raise exceptions.PermissionDenied(lockout.LOCKED_MESSAGE)
            raise serializers.ValidationError("用户名或密码不正确。", code="authorization")
        user = attrs["user"]
        device = totp.confirmed_device(user)
        if device is not None and not totp.totp_verify(device=device, code=attrs.get("otp", "")):
            username = user.get_username()
            audit.record_event(
                actor=None, event="login_failed", detail={"username": username, "step": "totp"}
            )
            if lockout.login_failure_record(username=username, ip=client_ip(request)):
                raise exceptions.PermissionDenied(lockout.LOCKED_MESSAGE)
            raise serializers.ValidationError({"otp": "动态口令缺失、不正确或已过期。"}, code="authorization")
        return attrs


class LoginThrottle(AnonRateThrottle):
    # Password guessing: a handful of tries a minute per client address is plenty for a real client.
    scope = "api_token"
    rate = "20/min"

    def get_rate(self):
        return self.rate


class TokenLoginView(ObtainAuthToken):
    """Exchange username and password for an API token (sent as ``Authorization: Token <key>``).
    Success is audited here (authenticate() sends no user_logged_in), failure by accounts.signals.
    The lockout holds here as on the login page, and an account with a dynamic code must send ``otp``."""

    throttle_classes = (LoginThrottle,)
    serializer_class = TokenLoginSerializer

    @extend_schema(
        tags=["账号"],
        summary="用账号和密码换取接口令牌",
        auth=[],
        request=TokenLoginSerializer,
        responses=TokenSerializer,
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        # A failed attempt is audited by the user_login_failed receiver (accounts.signals).
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, _ = Token.objects.get_or_create(user=user)
        lockout.login_success_record(username=user.get_username())
        audit.record_event(actor=user, event="login", obj=user, detail={"via": "api_token"})
        return Response({"token": token.key})

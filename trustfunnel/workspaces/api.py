"""Authentication endpoints of the API: obtain a token, and who am I.

``POST /api/v1/auth/token/`` exchanges a username and password for the user's API
token (DRF authtoken; send it as ``Authorization: Token <key>``); ``DELETE`` on the
same path revokes it. ``GET /api/v1/me/`` answers the user, their memberships and the
workspace the request works in (chosen with the ``X-Workspace: <slug>`` header).
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from trustfunnel.web.api import API_AUTHENTICATION
from trustfunnel.web.api_errors import ErrorDocumentingAutoSchema
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.roles import CAPABILITIES
from trustfunnel.workspaces.scoping import get_membership


class TokenThrottle(AnonRateThrottle):
    """Slows down password guessing against the token endpoint, per client address."""

    scope = "auth-token"
    rate = "30/minute"


class WorkspaceSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class MembershipSummarySerializer(serializers.Serializer):
    workspace = WorkspaceSummarySerializer()
    role = serializers.CharField()
    capabilities = serializers.SerializerMethodField()

    def get_capabilities(self, membership: Membership) -> list[str]:
        return sorted(str(c) for c in CAPABILITIES.get(membership.role, ()))


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()


class MeSerializer(serializers.Serializer):
    user = UserSummarySerializer()
    memberships = MembershipSummarySerializer(many=True)
    current = MembershipSummarySerializer(allow_null=True)


class TokenView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = ()
    throttle_classes = (TokenThrottle,)
    schema = ErrorDocumentingAutoSchema()

    def initialize_request(self, request, *args, **kwargs):
        self.incoming_method = request.method
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        # POST logs in with a password (no session, so no CSRF question); DELETE needs
        # the caller to be authenticated by the token it revokes (or a session).
        if getattr(self, "incoming_method", None) == "POST":
            return []
        return super().get_authenticators()

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        auth=[],
        summary="Exchange a username and password for an API token.",
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None}, summary="Revoke the caller's token.")
    def delete(self, request):
        if not request.user.is_authenticated:
            self.permission_denied(request)
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    authentication_classes = API_AUTHENTICATION
    permission_classes = (IsAuthenticated,)
    schema = ErrorDocumentingAutoSchema()

    @extend_schema(responses=MeSerializer, summary="The caller, their workspaces and roles.")
    def get(self, request):
        memberships = list(
            Membership.objects.select_related("workspace")
            .filter(user=request.user)
            .order_by("workspace__name", "workspace_id")
        )
        current = get_membership(request)
        data = MeSerializer(
            {"user": request.user, "memberships": memberships, "current": current}
        ).data
        return Response(data)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("me/", MeView.as_view(), name="me"),
]

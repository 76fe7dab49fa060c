"""Authentication that loads the user's memberships in the same query as the user.

Every page and API call needs the user and their membership in the current workspace;
reading both with one join saves a round trip and an ORM query per request. Nothing is
cached across requests: the rows are read fresh each time, so a changed role, a removed
membership or a deactivated user counts from the next request, exactly as before.
A user without any membership falls back to the plain look-up (and is then refused by
the workspace checks, as before).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from trustfunnel.web.compiled import CompiledQuery
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.scoping import MEMBERSHIPS_ATTR


def _memberships_where(**user_filter):
    return (
        Membership.objects.select_related("user", "workspace")
        .filter(**user_filter)
        .order_by("workspace__name", "workspace_id")
    )


# Compiled once per connection: building this three-table join through the ORM on every
# request cost more than the database's answer (trustfunnel.web.compiled).
_BY_USER_ID = CompiledQuery(lambda user_id: _memberships_where(user_id=user_id), -1)
_BY_TOKEN = CompiledQuery(lambda key: _memberships_where(user__auth_token__key=key), "")
# With the value's conversion (as the ORM's would: a bad id raises ValueError/TypeError).
_LOOKUPS = {"user_id": (_BY_USER_ID, int), "user__auth_token__key": (_BY_TOKEN, str)}


def _with_memberships(**user_filter):
    """(user, memberships) from one query over memberships joined to user and workspace."""
    ((lookup, value),) = user_filter.items()
    query, convert = _LOOKUPS[lookup]
    rows = query.run(convert(value))
    if not rows:
        return None, []
    user = rows[0].user
    for row in rows:
        row.user = user
    setattr(user, MEMBERSHIPS_ATTR, rows)
    return user, rows


class MembershipModelBackend(ModelBackend):
    """Django's ModelBackend; ``get_user`` (every request with a session) also loads the
    memberships. Logging in (``authenticate``) and permissions are ModelBackend's."""

    def get_user(self, user_id):
        try:
            user, _rows = _with_memberships(user_id=user_id)
        except (TypeError, ValueError):
            return None
        if user is None:
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None


class MembershipTokenAuthentication(TokenAuthentication):
    """DRF's token authentication; the token, its user and the memberships in one query.

    ``request.auth`` is the token (key and user; its ``created`` is not read).
    """

    def authenticate_credentials(self, key):
        user, _rows = _with_memberships(user__auth_token__key=key)
        if user is None:
            return super().authenticate_credentials(key)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token(key=key, user=user)
        token._state.adding = False
        token._state.db = Membership.objects.db
        return user, token

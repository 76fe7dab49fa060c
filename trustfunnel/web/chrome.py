"""The page chrome (top bar, workspace switcher, language form, user menu, navigation),
rendered once per set of inputs and reused.

The chrome is the same on every page a member opens in one language: it depends on the
user's name, their memberships (workspace names and roles), the current workspace and
role, the capabilities, the active navigation entry and the language. Rendering it
through the template engine cost about a third of a list page's CPU (about sixty
translated strings and as many variable look-ups per request). ``{% chrome %}`` renders
its body once per :func:`chrome_key` and keeps the text in a small bounded per-process
store (the oldest entry goes first).

Nothing is cached across requests that a request could change: every input is in the
key, and the key is computed from the request's own user and memberships (read fresh
from the database on every request, trustfunnel.workspaces.backends). The two values
that differ per request inside the chrome, the CSRF token and the ``next`` URL of the
language form, are written as marks and substituted on every request.

The rule for the template: **inside ``{% chrome %}`` use only what chrome_key covers**;
anything else belongs outside the block.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from trustfunnel.workspaces.scoping import user_memberships

__all__ = ["NEXT_VARIABLE", "chrome_key", "render_chrome"]

#: The context variable the language form's hidden ``next`` field prints.
NEXT_VARIABLE = "chrome_next"
_CSRF_MARK = "\ue000tf-csrf\ue000"
_NEXT_MARK = "\ue000tf-next\ue000"
#: Entries kept per process: one per member, language and active page section; a few
#: kB each.
MAX_ENTRIES = 2048

_rendered: OrderedDict[tuple, str] = OrderedDict()
_lock = Lock()
#: Tests switch memoizing off to compare with a plain render.
enabled = True


def chrome_key(context, entries) -> tuple | None:
    """Every input of the chrome, or None when there is no chrome (anonymous page)."""
    request = context.get("request")
    user = context.get("user")
    membership = context.get("membership")
    workspace = context.get("workspace")
    if request is None or user is None or membership is None or workspace is None:
        return None
    memberships = tuple(
        (m.workspace_id, m.workspace.name, m.role) for m in user_memberships(request)
    )
    return (
        get_language(), get_script_prefix(),
        user.pk, user.get_full_name(), user.get_username(),
        workspace.pk, workspace.name, membership.role, memberships,
        frozenset(context.get("caps") or ()),
        tuple((entry["key"], entry["active"]) for entry in entries),
    )


def render_chrome(context, nodelist, key: tuple | None) -> SafeString:
    """The chrome's text for this request: memoized per ``key``, marks substituted."""
    token = context.get("csrf_token")
    if key is None or not enabled or token is None or str(token) == "NOTPROVIDED":
        with context.push(**{NEXT_VARIABLE: _request_path(context)}):
            return mark_safe(nodelist.render(context))
    text = _rendered.get(key)
    if text is None:
        with context.push(csrf_token=_CSRF_MARK, **{NEXT_VARIABLE: _NEXT_MARK}):
            text = nodelist.render(context)
        with _lock:
            _rendered[key] = text
            while len(_rendered) > MAX_ENTRIES:
                _rendered.popitem(last=False)
    return mark_safe(
        text.replace(_CSRF_MARK, escape(str(token)))
        .replace(_NEXT_MARK, escape(_request_path(context)))
    )


def _request_path(context) -> str:
    request = context.get("request")
    return request.get_full_path() if request is not None else ""


def clear() -> None:
    """Forget every rendered chrome (tests; a deploy starts new processes anyway)."""
    with _lock:
        _rendered.clear()

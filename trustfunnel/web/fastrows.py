"""Cheap pieces for list pages: rows written in Python, choice lists rendered once.

A list page of 50 rows through template tags costs thousands of node renders, lazy
translations and ``{% url %}`` reversals per request; the rows here are plain string
formatting with :func:`html.escape` (the same five characters Django's ``escape``
replaces), URLs from a pattern reversed once per process, and choice labels translated
once per request. The shared list template (``crm/_list.html``) prints ``rows_html``.
"""

from __future__ import annotations

from html import escape
from threading import Lock

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

__all__ = ["RenderedChoices", "e", "rendered_choices", "url_pattern"]

_PLACEHOLDER = 987654321
_urls: dict[tuple, str] = {}


def e(value) -> str:
    """HTML-escaped text of ``value`` ('' for None); safe strings stay as they are."""
    if value is None:
        return ""
    if isinstance(value, SafeString):
        return str(value)
    return escape(str(value), quote=True)


def url_pattern(name: str) -> str:
    """``reverse(name, args=[pk])`` as a ``str.format`` pattern: ``"/people/{}/"``.

    Reversed once per URL name (and script prefix); only for URLs taking one integer.
    """
    key = (name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    pattern = _urls.get(key)
    if pattern is None:
        url = reverse(name, args=[_PLACEHOLDER])
        pattern = _urls[key] = url.replace("{", "{{").replace("}", "}}").replace(
            str(_PLACEHOLDER), "{}"
        )
    return pattern


class RenderedChoices(list):
    """A list of ``(value, label)`` that also holds its ``<option>`` tags, rendered once.

    ``{% select_options %}`` uses :meth:`options_html`; iterating it works like the list.
    """

    def __init__(self, choices):
        super().__init__(choices)
        # (value, '<option value="v"', '>label</option>'): " selected" goes between.
        self._options = [
            (str(value), f'<option value="{e(value)}"', f">{e(label)}</option>")
            for value, label in self
            if value != ""
        ]

    def options_html(self, selected) -> SafeString:
        selected = "" if selected is None else str(selected)
        return mark_safe("".join(
            head + (" selected" if value == selected else "") + tail
            for value, head, tail in self._options
        ))


_choices: dict[tuple[str, str | None], RenderedChoices] = {}
_lock = Lock()


def rendered_choices(key: str, build) -> RenderedChoices:
    """``build()``'s choices for the active language, rendered once per process."""
    cache_key = (key, get_language())
    found = _choices.get(cache_key)
    if found is None:
        with _lock:
            found = _choices.get(cache_key)
            if found is None:
                found = _choices[cache_key] = RenderedChoices(build())
    return found

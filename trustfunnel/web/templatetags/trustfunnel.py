"""Template helpers of the design system: navigation, badges, panels, workspaces."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from trustfunnel.web import chrome, registry
from trustfunnel.web.fastrows import RenderedChoices
from trustfunnel.workspaces.models import Membership
from trustfunnel.workspaces.scoping import user_memberships

register = template.Library()

#: Trust labels the engines produce, in rising order; each has a CSS class tf-trust-<key>.
TRUST_LABELS = {
    "unknown": _("unknown"),
    "low": _("low"),
    "fragile": _("fragile"),
    "solid": _("solid"),
    "strong": _("strong"),
}
#: The two directions of trust; each has one colour everywhere (see docs/ui.md).
TRUST_DIRECTIONS = {
    "theirs_in_us": _("their trust in us"),
    "ours_in_them": _("our trust in them"),
}

#: The shell's own navigation; apps add theirs through web.registry.register_nav.
CORE_NAV = [
    registry.NavItem("home", _("Start"), "web:home", icon="house", order=0),
    registry.NavItem("relationships", _("Relationships"), "crm:relationship-list",
                     icon="people", order=10),
    registry.NavItem("deals", _("Deals"), "crm:deal-list", icon="briefcase", order=20),
    registry.NavItem("organizations", _("Organisations"), "crm:organization-list",
                     icon="building", order=30),
    registry.NavItem("people", _("People"), "crm:person-list", icon="person-vcard", order=40),
]


_nav_urls: dict[tuple, str | None] = {}


def _nav_url(name: str) -> str | None:
    """``reverse(name)``, once per process (and script prefix); None if it does not exist."""
    key = (name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    if key not in _nav_urls:
        try:
            _nav_urls[key] = reverse(name)
        except NoReverseMatch:
            _nav_urls[key] = None
    return _nav_urls[key]


@register.simple_tag(takes_context=True)
def nav_entries(context) -> list[dict]:
    """Core and registered navigation the member may see, with the active one marked."""
    caps = context.get("caps") or set()
    request = context.get("request")
    path = request.path if request else ""
    entries = []
    for item in sorted([*CORE_NAV, *registry.nav_items], key=lambda i: i.order):
        if item.capability and item.capability not in caps:
            continue
        url = _nav_url(item.url_name)
        if url is None:
            continue  # an app registered a page it does not serve (yet)
        active = path == url if url == "/" else path.startswith(url)
        entries.append({"key": item.key, "title": item.title, "url": url,
                        "icon": item.icon, "active": active})
    return entries


@register.simple_tag(takes_context=True)
def user_workspaces(context) -> list[Membership]:
    """The user's memberships, for the workspace switcher (no query of its own)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return user_memberships(request)  # the list get_membership already read


@register.simple_tag
def trust_badge(label: str | None, direction: str | None = None):
    """A badge for a trust label (unknown/low/fragile/solid/strong), optionally with a direction."""
    key = label if label in TRUST_LABELS else "unknown"
    text = TRUST_LABELS[key]
    if direction in TRUST_DIRECTIONS:
        return format_html(
            '<span class="badge tf-trust tf-trust-{} tf-dir-{}" title="{}">{}</span>',
            key, direction, TRUST_DIRECTIONS[direction], text,
        )
    return format_html('<span class="badge tf-trust tf-trust-{}">{}</span>', key, text)


@register.simple_tag
def direction_badge(direction: str):
    text = TRUST_DIRECTIONS.get(direction, direction)
    return format_html('<span class="badge tf-dir tf-dir-{}">{}</span>', direction, text)


@register.simple_tag(takes_context=True)
def render_panel(context, panel, extra: dict):
    """Render a registered relationship panel with the page context plus its own."""
    data = context.flatten()
    data.update(extra or {})
    data["panel"] = panel
    return get_template(panel.template).render(data, context.get("request"))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def styled(bound_field):
    """Render a form field's widget with the design system's classes and ARIA state."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", None)
    if input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select form-select-sm"
    else:
        css = "form-control form-control-sm"
    attrs = {"class": css + (" is-invalid" if bound_field.errors else "")}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{bound_field.auto_id}_errors"
    elif bound_field.help_text:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_help"
    return bound_field.as_widget(attrs=attrs)


@register.simple_tag
def select_options(choices, selected):
    """<option>s for a filter select, built in Python: a country list has ~250 entries
    and a template loop over it costs more than the rest of a list page."""
    if isinstance(choices, RenderedChoices):
        return choices.options_html(selected)
    selected = "" if selected is None else str(selected)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if str(value) == selected else "", label)
         for value, label in choices if value != ""),
    )


class ChromeNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        entries = nav_entries(context)
        with context.push(nav=entries):
            return chrome.render_chrome(context, self.nodelist, chrome.chrome_key(context, entries))


@register.tag("chrome")
def do_chrome(parser, token):
    """``{% chrome %}...{% endchrome %}``: the page chrome, rendered once per member,
    language and page section (trustfunnel.web.chrome). Inside, ``nav`` holds the
    navigation entries and ``chrome_next`` the current URL."""
    nodelist = parser.parse(("endchrome",))
    parser.delete_first_token()
    return ChromeNode(nodelist)

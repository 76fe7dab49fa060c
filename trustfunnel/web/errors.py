"""Show the product's errors (trustfunnel.core.errors) on pages, translated.

Core and the services raise English message templates with data; the page layer looks
the template up in the catalogue and fills it in, naming the field by its form label.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop

from trustfunnel.core.errors import PermissionDenied, TrustfunnelError

#: The service messages a page can show, listed so makemessages extracts them.
SERVICE_MESSAGES = [
    gettext_noop("{field}: evidence cannot lie in the future (more than {minutes} minutes ahead)."),
    gettext_noop("{field}: must be an exchange of the same relationship."),
    gettext_noop("{field}: a relationship needs a person or an organisation."),
    gettext_noop("{field}: a retraction cannot be retracted."),
    gettext_noop("{field}: a time is required."),
    gettext_noop("{field}: a value cannot be negative."),
    gettext_noop("{field}: must be 'us' or 'them'."),
    gettext_noop("{field}: must lie between 0 and 10."),
    gettext_noop("{field}: no such organisation."),
    gettext_noop("{field}: no such relationship."),
    gettext_noop("{field}: not found."),
    gettext_noop("{field}: the owner must be a member of this workspace."),
    gettext_noop("{field}: this signal is already retracted."),
    gettext_noop("{field}: unknown signal kind {kind!r}."),
    gettext_noop("{field}: use retract to withdraw a signal."),
    gettext_noop("Your role does not allow this."),
    gettext_noop("Only the account owner or an admin can edit private notes."),
    gettext_noop("Your role cannot log interactions, signals or exchanges."),
    gettext_noop("Invalid value for {field}."),
    gettext_noop("Something went wrong."),
]


def translated_message(error: TrustfunnelError, *, field_label: str | None = None) -> str:
    data = dict(error.data)
    if field_label is not None:
        data["field"] = field_label
    template = gettext(error.message_template)
    try:
        return template.format(**data)
    except (KeyError, IndexError, ValueError):
        return template


def add_service_error(form: forms.Form, error: TrustfunnelError) -> None:
    """Put a service error on the form field it names (or on the form); 403 for a role."""
    if isinstance(error, PermissionDenied):
        raise DjangoPermissionDenied(translated_message(error))
    field = error.data.get("field")
    if field in form.fields:
        form.add_error(field, translated_message(error, field_label=capfirst(str(form.fields[field].label))))
    else:
        form.add_error(None, translated_message(error))

"""The three log forms of the relationship page (interaction, signal, exchange).

They parse input; the rules (time not in the future, value not negative, kinds) are
checked by trustfunnel.timeline.services, so the page and the API say the same thing.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustfunnel.core.evidence import COMPONENTS, SIGNAL_KINDS, Actor
from trustfunnel.crm.forms import limit_rendered_choices
from trustfunnel.timeline.labels import COMPONENT_LABELS, SIGNAL_LABELS
from trustfunnel.timeline.models import (
    Exchange,
    ExchangeKind,
    InteractionDirection,
    InteractionKind,
)

ACTOR_CHOICES = [(Actor.THEM.value, _("them")), (Actor.US.value, _("us"))]


def signal_kind_choices() -> list:
    """Signal kinds grouped by the first trust component they bear on (optgroups)."""
    groups: dict[str, list] = {}
    for kind, spec in SIGNAL_KINDS.items():
        if kind == "retraction":
            continue  # corrections go through retract, never through this form
        component = next((c for c in COMPONENTS if c & spec.components), None)
        key = component.name.lower() if component else "other"
        groups.setdefault(key, []).append((kind, SIGNAL_LABELS[kind]))
    order = [c.name.lower() for c in COMPONENTS] + ["other"]
    return [(COMPONENT_LABELS[key], groups[key]) for key in order if key in groups]


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


class WhenInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class LogForm(forms.Form):
    """Common: the time, defaulting to now (minutes)."""

    occurred_at = forms.DateTimeField(label=_("when"), widget=WhenInput())

    def __init__(self, *args, relationship, **kwargs):
        self.relationship = relationship
        kwargs.setdefault("initial", {}).setdefault("occurred_at", _now_local())
        super().__init__(*args, **kwargs)


class InteractionForm(LogForm):
    prefix = "interaction"
    kind = forms.ChoiceField(label=_("kind"), choices=InteractionKind.choices)
    direction = forms.ChoiceField(
        label=_("direction"), choices=InteractionDirection.choices,
        initial=InteractionDirection.MUTUAL,
    )
    subject = forms.CharField(label=_("subject"), max_length=300, required=False)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    topics = forms.CharField(
        label=_("topics"), required=False, max_length=500,
        help_text=_("Separate topics with commas."),
    )
    field_order = ["kind", "direction", "occurred_at", "subject", "notes", "topics"]

    def clean_topics(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["topics"].split(",") if t.strip()]


class SignalForm(LogForm):
    prefix = "signal"
    kind = forms.ChoiceField(label=_("kind"), choices=signal_kind_choices)
    actor = forms.ChoiceField(label=_("shown by"), choices=ACTOR_CHOICES, initial=Actor.THEM.value)
    strength = forms.FloatField(
        label=_("strength"), initial=1.0,
        help_text=_("1 is a typical occurrence; 2 counts double, 0.5 half."),
        widget=forms.NumberInput(attrs={"step": "0.25"}),
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["kind", "actor", "occurred_at", "strength", "note"]


class ExchangeForm(LogForm):
    prefix = "exchange"
    giver = forms.ChoiceField(label=_("given by"), choices=ACTOR_CHOICES, initial=Actor.US.value)
    kind = forms.ChoiceField(label=_("kind"), choices=ExchangeKind.choices)
    # No min_value here: the service rejects a negative value with the same message as the API.
    value = forms.DecimalField(
        label=_("estimated value"), max_digits=12, decimal_places=2, initial=0,
        help_text=_("What it is worth to the receiver, in the workspace currency."),
    )
    solicited = forms.BooleanField(label=_("asked for"), required=False)
    description = forms.CharField(label=_("description"), max_length=300, required=False)
    reciprocates = forms.ModelChoiceField(
        label=_("in return for"), queryset=Exchange.objects.none(), required=False,
    )
    field_order = ["giver", "kind", "value", "occurred_at", "solicited", "description", "reciprocates"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this relationship's recent exchanges can be returned.
        self.fields["reciprocates"].queryset = (
            Exchange.objects.for_workspace(self.relationship.workspace_id)
            .filter(relationship=self.relationship)
            .order_by("-occurred_at", "-id")
        )
        self.fields["reciprocates"].label_from_instance = _exchange_label
        selected = self.data.get(self.add_prefix("reciprocates")) if self.is_bound else None
        limit_rendered_choices(self.fields["reciprocates"], selected)


def _exchange_label(exchange: Exchange) -> str:
    when = timezone.localtime(exchange.occurred_at).strftime("%Y-%m-%d")
    text = f"{when} · {exchange.get_kind_display()} · {exchange.value}"
    return f"{text} · {exchange.description[:40]}" if exchange.description else text


class RetractForm(forms.Form):
    """Why a signal is withdrawn; the correction is a new signal, the old one stays."""

    reason = forms.CharField(label=_("reason"), max_length=500)

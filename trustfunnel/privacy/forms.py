from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustfunnel.privacy.models import ConsentAction, DataKind, LawfulBasis, Purpose


def style(form: forms.Form) -> None:
    """Bootstrap classes on the widgets, so the templates stay plain."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs["class"] = css


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("purpose"), choices=Purpose.choices)
    action = forms.ChoiceField(label=_("what happened"), choices=ConsentAction.choices)
    basis = forms.ChoiceField(label=_("lawful basis"), choices=LawfulBasis.choices,
                              initial=LawfulBasis.CONSENT)
    at = forms.DateTimeField(label=_("when"), initial=timezone.now,
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    source = forms.CharField(label=_("source"), max_length=200, required=False,
                             help_text=_("A web form, a signed contract, a phone call ..."))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

    def clean(self):
        data = super().clean()
        if data.get("action") in (ConsentAction.GIVEN, ConsentAction.WITHDRAWN):
            data["basis"] = LawfulBasis.CONSENT
        return data


class RetentionForm(forms.Form):
    """One number of days per kind of data."""

    def __init__(self, *args, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in DataKind.choices:
            self.fields[kind] = forms.IntegerField(
                label=label, min_value=0, max_value=36500, initial=current.get(kind, 0),
                help_text=_("days; 0 keeps it forever"),
            )
        style(self)


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the personal data is removed for good and cannot be restored."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style(self)

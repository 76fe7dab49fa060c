from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustfunnel.core.importing import TARGET_FIELDS
from trustfunnel.imports.models import ImportKind, OnDuplicate

#: Largest upload accepted through the page (the command line has no limit).
MAX_UPLOAD_BYTES = 512 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What does the file hold?"), choices=ImportKind.choices)
    file = forms.FileField(label=_("File"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 512 MB; use the command line."))
        return upload


FIELD_LABELS = {
    "external_id": _("Key in the other system"), "first_name": _("First name"),
    "last_name": _("Last name"), "full_name": _("Full name"), "email": _("E-mail"),
    "phone": _("Phone"), "job_title": _("Job title"), "organization": _("Organisation"),
    "country": _("Country"), "notes": _("Notes"), "name": _("Name"), "sector": _("Sector"),
    "website": _("Website"), "vat_number": _("VAT number"),
    "chamber_number": _("Chamber of Commerce number"), "title": _("Title"), "stage": _("Stage"),
    "value": _("Value"), "currency": _("Currency"), "expected_close": _("Expected close"),
    "kind": _("Kind"), "direction": _("Direction"), "occurred_at": _("When"),
    "subject": _("Subject"),
}


class MappingForm(forms.Form):
    """One select per column of the file; built from the detected header."""

    on_duplicate = forms.ChoiceField(label=_("When a record already exists"),
                                     choices=OnDuplicate.choices, initial=OnDuplicate.MERGE,
                                     widget=forms.Select(attrs={"class": "form-select"}))
    save_as = forms.CharField(label=_("Save this mapping as a preset"), required=False, max_length=60)

    def __init__(self, *args, kind: str, header: list[str], mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [("", _("— ignore —"))] + [(f, FIELD_LABELS.get(f, f)) for f in TARGET_FIELDS[kind]]
        for index, column in enumerate(header):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=column or f"#{index + 1}", choices=choices, required=False,
                initial=mapping.get(column, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data.get(f"col_{i}") or ""
                for i, column in enumerate(self.header) if self.cleaned_data.get(f"col_{i}")}

    def column_fields(self):
        return [self[f"col_{i}"] for i in range(len(self.header))]

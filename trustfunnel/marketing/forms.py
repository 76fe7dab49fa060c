from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from trustfunnel.crm.models import DealStage, Language
from trustfunnel.marketing.models import Campaign, Content, ContentKind, InsightKind, Segment

TRUST_LABEL_CHOICES = [
    ("unknown", _("unknown")), ("low", _("low")), ("fragile", _("fragile")),
    ("solid", _("solid")), ("strong", _("strong")),
]


def _split(text: str) -> list[str]:
    return [t.strip().lower() for t in (text or "").split(",") if t.strip()]


class ContentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    topics = forms.CharField(label=_("Topics"), required=False,
                             help_text=_("Comma-separated, e.g. leadership, pricing"))
    target_stages = forms.MultipleChoiceField(
        label=_("Meant for stages"), choices=DealStage.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every stage."))
    audience_note = forms.CharField(label=_("Whom it is for"), max_length=300, required=False)
    point = forms.CharField(label=_("Its point, in one sentence"), max_length=300, required=False,
                            help_text=_("Handed to account owners who write personally."))
    url = forms.URLField(label=_("Link to the content"), required=False, assume_scheme="https")
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    subject = forms.CharField(label=_("Mail subject"), max_length=200)
    body = forms.CharField(label=_("Mail text"), widget=forms.Textarea(attrs={"rows": 6}))

    def clean_topics(self):
        return _split(self.cleaned_data["topics"])


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    countries = forms.MultipleChoiceField(label=_("Countries"), choices=list(countries),
                                          required=False)
    sectors = forms.CharField(label=_("Sectors"), required=False,
                              help_text=_("Comma-separated"))
    stages = forms.MultipleChoiceField(label=_("Deal stages"), choices=DealStage.choices,
                                       required=False, widget=forms.CheckboxSelectMultiple)
    topics = forms.CharField(label=_("Topics of interest"), required=False,
                             help_text=_("Comma-separated; from insights sales logged"))
    trust_labels = forms.MultipleChoiceField(label=_("Trust label"), choices=TRUST_LABEL_CHOICES,
                                             required=False, widget=forms.CheckboxSelectMultiple)
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=Language.choices,
                                          required=False)
    consent_only = forms.BooleanField(label=_("Only people with marketing consent"),
                                      required=False, initial=True)
    last_contact_within_days = forms.IntegerField(label=_("Contact in the last … days"),
                                                  required=False, min_value=1)
    no_contact_for_days = forms.IntegerField(label=_("No contact for … days"), required=False,
                                             min_value=1)

    def filters(self) -> dict:
        data = self.cleaned_data
        filters = {
            "countries": data.get("countries") or [],
            "sectors": [s.strip() for s in (data.get("sectors") or "").split(",") if s.strip()],
            "stages": data.get("stages") or [],
            "topics": _split(data.get("topics") or ""),
            "trust_labels": data.get("trust_labels") or [],
            "languages": data.get("languages") or [],
            "consent_only": bool(data.get("consent_only")),
            "last_contact_within_days": data.get("last_contact_within_days"),
            "no_contact_for_days": data.get("no_contact_for_days"),
        }
        return {k: v for k, v in filters.items() if v not in (None, [], "", False)}


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    content = forms.ModelChoiceField(label=_("Content"), queryset=Content.objects.none())
    segment = forms.ModelChoiceField(label=_("Segment"), queryset=Segment.objects.none())
    planned_at = forms.DateTimeField(label=_("Planned for"),
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["content"].queryset = Content.objects.for_workspace(workspace)
        self.fields["segment"].queryset = Segment.objects.for_workspace(workspace)


class InsightForm(forms.Form):
    kind = forms.ChoiceField(label=_("What we heard"), choices=InsightKind.choices)
    topic = forms.CharField(label=_("Topic"), max_length=80)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


__all__ = ["ContentForm", "SegmentForm", "CampaignForm", "InsightForm", "Campaign"]

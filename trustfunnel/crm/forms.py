"""Forms of the CRM pages. They validate fields; the services write (crm.services).

Every choice of a related row is limited to the current workspace, so a form cannot
point at another firm's data even with a hand-made POST.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from trustfunnel.crm.models import Deal, Organization, Person, Relationship

User = get_user_model()


#: How many options a select of people, organisations or relationships renders. The
#: field still accepts any row of the workspace; beyond this, start from the row's own
#: page (its "New relationship" / "New deal" button preselects it).
CHOICE_LIMIT = 300


def limit_rendered_choices(field: forms.ModelChoiceField, selected) -> None:
    """Render at most CHOICE_LIMIT options (plus the selected one), validate against all.

    A workspace with 100,000 people must not put 100,000 <option>s in every form.
    """
    rows = list(field.queryset[:CHOICE_LIMIT])
    selected_pk = getattr(selected, "pk", selected)
    try:
        selected_pk = int(selected_pk) if selected_pk not in (None, "") else None
    except (TypeError, ValueError):
        selected_pk = None
    if selected_pk is not None and all(row.pk != selected_pk for row in rows):
        rows = list(field.queryset.filter(pk=selected_pk)) + rows
    choices = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = choices + [(row.pk, field.label_from_instance(row)) for row in rows]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class WorkspaceFormMixin:
    """Takes ``workspace`` and ``membership``; subclasses scope their choices in ``scope``."""

    def __init__(self, *args, workspace, membership, **kwargs):
        self.workspace = workspace
        self.membership = membership
        super().__init__(*args, **kwargs)
        self.scope()

    def scope(self) -> None:
        pass

    def members(self):
        return User.objects.filter(memberships__workspace=self.workspace).order_by(
            "first_name", "last_name", "username"
        )

    def limit(self, name: str) -> None:
        selected = self.data.get(self.add_prefix(name)) if self.is_bound else (
            self.initial.get(name) or getattr(self.instance, f"{name}_id", None)
        )
        limit_rendered_choices(self.fields[name], selected)

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}


class OrganizationForm(WorkspaceFormMixin, forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, max_length=200,
                             assume_scheme="https")

    class Meta:
        model = Organization
        fields = ["name", "country", "sector", "size", "website", "vat_number", "chamber_number", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class PersonForm(WorkspaceFormMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "first_name", "last_name", "organization", "job_title", "decision_authority",
            "language", "country", "email", "phone", "marketing_consent", "consent_source",
        ]

    def scope(self) -> None:
        self.fields["organization"].queryset = Organization.objects.for_workspace(
            self.workspace
        ).order_by("name", "id")
        self.limit("organization")


class RelationshipForm(WorkspaceFormMixin, forms.ModelForm):
    owner = UserChoiceField(label=_("account owner"), queryset=User.objects.none())

    class Meta:
        model = Relationship
        fields = ["person", "organization", "kind", "owner", "started_at", "private_notes"]
        widgets = {
            "started_at": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "private_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, can_edit_private_notes: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_edit_private_notes:
            # Not rendered, not accepted: a hand-made POST cannot change them either.
            del self.fields["private_notes"]

    def scope(self) -> None:
        people = Person.objects.for_workspace(self.workspace).select_related("organization")
        self.fields["person"].queryset = people.order_by("last_name", "first_name", "id")
        self.fields["organization"].queryset = Organization.objects.for_workspace(
            self.workspace
        ).order_by("name", "id")
        self.fields["owner"].queryset = self.members()
        self.fields["person"].help_text = _("A person, an organisation, or both.")
        self.limit("person")
        self.limit("organization")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("person") and not cleaned.get("organization"):
            self.add_error("person", _("Choose a person or an organisation."))
        return cleaned


class DealForm(WorkspaceFormMixin, forms.ModelForm):
    owner = UserChoiceField(label=_("owner"), queryset=User.objects.none())

    class Meta:
        model = Deal
        fields = ["relationship", "title", "stage", "value", "currency", "expected_close", "owner"]
        widgets = {"expected_close": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def scope(self) -> None:
        self.fields["relationship"].queryset = (
            Relationship.objects.for_workspace(self.workspace)
            .select_related("person", "organization")
            .order_by("-id")
        )
        self.fields["owner"].queryset = self.members()
        self.limit("relationship")

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()

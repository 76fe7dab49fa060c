"""API serializers for organisations, people, relationships and deals.

Serializers check and normalise fields (VAT, Chamber of Commerce number, phone in E.164,
country codes, related objects of the caller's workspace only); they never save: the
viewsets hand ``validated_data`` to :mod:`trustfunnel.crm.services`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_countries.serializers import CountryFieldMixin
from rest_framework import serializers

from trustfunnel.crm.models import Deal, DealStageChange, Organization, Person, Relationship
from trustfunnel.crm.validators import normalize_chamber_number, normalize_phone, normalize_vat
from trustfunnel.web.api import MemberField, ScopedPrimaryKeyRelatedField


def _run(normalizer, *args) -> str:
    """Call a validators.normalize_* function; its Django error becomes a DRF one."""
    try:
        return normalizer(*args)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


def _current(serializer: serializers.Serializer, attrs: dict, name: str):
    """The value a field will have after this write (given, else the instance's)."""
    if name in attrs:
        return attrs[name]
    return getattr(serializer.instance, name, None) if serializer.instance else None


class OrganizationSerializer(CountryFieldMixin, serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id", "name", "country", "sector", "size", "website", "vat_number",
            "chamber_number", "notes", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # The model's validator would run before normalisation; validate_vat_number does both.
        extra_kwargs = {"vat_number": {"validators": []}}

    def validate_vat_number(self, value: str) -> str:
        return _run(normalize_vat, value)

    def validate(self, attrs):
        if "chamber_number" in attrs or ("country" in attrs and self.instance):
            number = _current(self, attrs, "chamber_number") or ""
            country = str(_current(self, attrs, "country") or "")
            try:
                attrs["chamber_number"] = normalize_chamber_number(number, country)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"chamber_number": exc.messages}) from None
        return attrs


class PersonSerializer(CountryFieldMixin, serializers.ModelSerializer):
    organization = ScopedPrimaryKeyRelatedField(Organization, allow_null=True, required=False)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id", "first_name", "last_name", "full_name", "organization", "job_title",
            "decision_authority", "language", "country", "email", "phone",
            "marketing_consent", "consent_at", "consent_source", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Checked in validate(), in the person's country rather than the model's default.
        extra_kwargs = {"phone": {"validators": []}}

    def validate(self, attrs):
        if attrs.get("phone"):
            # A number without country prefix is read in the person's own country.
            country = str(_current(self, attrs, "country") or "") or None
            try:
                attrs["phone"] = normalize_phone(attrs["phone"], country)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"phone": exc.messages}) from None
        return attrs


class RelationshipSerializer(serializers.ModelSerializer):
    owner = MemberField(required=False)
    organization = ScopedPrimaryKeyRelatedField(Organization, allow_null=True, required=False)
    person = ScopedPrimaryKeyRelatedField(Person, allow_null=True, required=False)
    display_name = serializers.SerializerMethodField()
    # The cached trust figures (trustfunnel.scoring.selectors.annotate_trust); null until
    # the relationship has evidence. Details: /relationships/{id}/trust/.
    theirs_trust_label = serializers.CharField(read_only=True, allow_null=True, default=None)
    theirs_trust_score = serializers.FloatField(read_only=True, allow_null=True, default=None)
    ours_trust_label = serializers.CharField(read_only=True, allow_null=True, default=None)
    ours_trust_score = serializers.FloatField(read_only=True, allow_null=True, default=None)
    reciprocity_classification = serializers.CharField(read_only=True, allow_null=True,
                                                       default=None)

    class Meta:
        model = Relationship
        fields = [
            "id", "display_name", "owner", "organization", "person", "kind", "private_notes",
            "started_at", "theirs_trust_label", "theirs_trust_score", "ours_trust_label",
            "ours_trust_score", "reciprocity_classification",
            "derived", "derived_at", "created_at", "updated_at",
        ]
        read_only_fields = ["derived", "derived_at", "created_at", "updated_at"]

    def get_display_name(self, relationship: Relationship) -> str:
        return relationship.display_name

    def validate(self, attrs):
        person = _current(self, attrs, "person")
        organization = _current(self, attrs, "organization")
        if person is None and organization is None:
            raise serializers.ValidationError(
                {"person": [_("A relationship needs a person or an organisation.")]}
            )
        return attrs


class DealStageChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = DealStageChange
        fields = ["id", "from_stage", "to_stage", "at", "by"]
        read_only_fields = fields


class DealSerializer(serializers.ModelSerializer):
    relationship = ScopedPrimaryKeyRelatedField(Relationship)
    owner = MemberField(required=False)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)

    class Meta:
        model = Deal
        fields = [
            "id", "relationship", "title", "stage", "value", "currency", "expected_close",
            "owner", "first_contact_at", "closed_at", "created_at", "updated_at",
        ]
        read_only_fields = ["closed_at", "created_at", "updated_at"]

    def validate_currency(self, value: str) -> str:
        value = (value or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise serializers.ValidationError(_("A currency is a three-letter code such as EUR."))
        return value

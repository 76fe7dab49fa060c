from __future__ import annotations

from rest_framework import serializers

from trustfunnel.crm.models import DealStage, Language
from trustfunnel.marketing.models import (
    Campaign,
    Content,
    ContentVersion,
    Insight,
    InsightKind,
    PersonalTask,
    Segment,
)
from trustfunnel.marketing.segments import clean_filters


class ContentVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentVersion
        fields = ["id", "language", "subject", "body"]


class ContentSerializer(serializers.ModelSerializer):
    versions = ContentVersionSerializer(many=True, required=False)
    target_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=DealStage.choices), required=False
    )
    topics = serializers.ListField(child=serializers.CharField(max_length=80), required=False)

    class Meta:
        model = Content
        fields = ["id", "kind", "title", "topics", "target_stages", "audience_note", "point",
                  "url", "versions", "created_at"]
        read_only_fields = ["created_at"]

    def validate_versions(self, versions):
        languages = [v["language"] for v in versions]
        if len(languages) != len(set(languages)):
            raise serializers.ValidationError("One version per language.")
        return versions


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = ["id", "name", "filters", "created_at"]
        read_only_fields = ["created_at"]

    def validate_filters(self, value):
        from trustfunnel.core.errors import InvalidInput

        try:
            return clean_filters(value)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = ["id", "name", "content", "segment", "planned_at", "status", "gated_at",
                  "counts", "sent_at", "created_at"]
        read_only_fields = ["status", "gated_at", "counts", "sent_at", "created_at"]

    def _same_workspace(self, obj, field):
        if obj is not None and obj.workspace_id != self.context["workspace"].pk:
            raise serializers.ValidationError("Not found.")
        return obj

    def validate_content(self, value):
        return self._same_workspace(value, "content")

    def validate_segment(self, value):
        return self._same_workspace(value, "segment")


class InsightSerializer(serializers.ModelSerializer):
    class Meta:
        model = Insight
        fields = ["id", "relationship", "interaction", "kind", "topic", "note", "occurred_at"]

    def validate_relationship(self, value):
        if value.workspace_id != self.context["workspace"].pk:
            raise serializers.ValidationError("Not found.")
        return value


class PersonalTaskSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    content_title = serializers.CharField(source="content.title", read_only=True, default="")
    content_point = serializers.CharField(source="content.point", read_only=True, default="")
    #: Looked up when read (services.with_last_personal), not stored with the task.
    last_personal_interaction = serializers.SerializerMethodField()

    class Meta:
        model = PersonalTask
        fields = ["id", "person", "person_name", "relationship", "campaign", "content",
                  "content_title", "content_point", "rule_bits", "last_personal_interaction",
                  "status", "created_at", "closed_at"]
        read_only_fields = fields

    def get_last_personal_interaction(self, task) -> int | None:
        interaction = getattr(task, "last_personal_interaction", None)
        return interaction.pk if interaction is not None else None


class RecipientSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False, min_value=1)
    email = serializers.EmailField(required=False)

    def validate(self, attrs):
        if not attrs.get("id") and not attrs.get("email"):
            raise serializers.ValidationError("Give an id or an email.")
        return attrs


class GateCheckSerializer(serializers.Serializer):
    recipients = RecipientSerializer(many=True, allow_empty=False, max_length=1000)
    content = serializers.IntegerField(required=False, min_value=1,
                                       help_text="A content id of this workspace.")
    target_stages = serializers.ListField(
        child=serializers.ChoiceField(choices=DealStage.choices), required=False,
        help_text="For content unknown to trustfunnel: the stages it is meant for.",
    )
    language = serializers.ChoiceField(choices=Language.choices, required=False,
                                       help_text="For unknown content: its language.")


class GateAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    email = serializers.EmailField(required=False)
    person_id = serializers.IntegerField(allow_null=True)
    decision = serializers.ChoiceField(choices=["send", "personal", "suppress"])
    rules = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())


class GateCheckResponseSerializer(serializers.Serializer):
    results = GateAnswerSerializer(many=True)


INSIGHT_KINDS = InsightKind.choices

"""Translated labels for the gate's decisions and rules."""

from django.utils.translation import gettext_lazy as _

from trustfunnel.core.gate import Decision, Rule

DECISIONS = {
    Decision.SEND: _("Send"),
    Decision.PERSONAL: _("Personal word"),
    Decision.SUPPRESS: _("Suppress"),
}

RULE_LABELS = {
    Rule.NO_CONSENT: _("No marketing consent"),
    Rule.UNSUBSCRIBED: _("Unsubscribed"),
    Rule.BOUNCED: _("Mail bounced"),
    Rule.RECENT_BREACH: _("Recent complaint or trust breach"),
    Rule.FREQUENCY_CAP: _("Frequency cap reached"),
    Rule.ADVANCED_STAGE: _("Advanced stage (proposal, negotiation)"),
    Rule.ACTIVE_CONVERSATION: _("Active personal conversation"),
    Rule.OPEN_PROMISE: _("Open promise"),
    Rule.MEETING_PLANNED: _("Meeting planned"),
    Rule.KEY_DECISION_MAKER: _("Decision-maker in a key deal"),
    Rule.FRAGILE_TRUST: _("Fragile trust"),
    Rule.STAGE_MISMATCH: _("Content not meant for this stage"),
    Rule.LANGUAGE_MISMATCH: _("No version in their language"),
}


def rule_labels(bits: int) -> list:
    return [label for rule, label in RULE_LABELS.items() if bits & rule]

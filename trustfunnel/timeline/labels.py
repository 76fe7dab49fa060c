"""Translatable labels of the signal kinds.

core/evidence.py holds English labels (core cannot import Django); this module spells
each one out as a gettext_lazy literal so makemessages extracts it. A test checks that
every kind in SIGNAL_KINDS has a label here.
"""

from django.utils.translation import gettext_lazy as _

SIGNAL_LABELS = {
    "promise_made": _("Promise made"),
    "promise_kept": _("Promise kept"),
    "promise_late": _("Promise kept late"),
    "promise_broken": _("Promise broken"),
    "disclosure": _("Open disclosure"),
    "weakness_admitted": _("Admitted a weakness"),
    "hedging": _("Hedging or withholding"),
    "competence_shown": _("Competence shown"),
    "delivered": _("Delivered as agreed"),
    "competence_doubted": _("Competence doubted"),
    "care_shown": _("Care shown"),
    "care_lacking": _("Care lacking"),
    "no_show": _("No-show"),
    "late_cancellation": _("Late cancellation"),
    "cancelled_in_time": _("Cancelled in good time"),
    "attended": _("Attended"),
    "invoice_paid_on_time": _("Invoice paid on time"),
    "invoice_paid_late": _("Invoice paid late"),
    "invoice_unpaid": _("Invoice unpaid past due"),
    "reward_requested": _("Asked for a reward or credit"),
    "threat_to_stop": _("Threatened to stop"),
    "introduction": _("Made an introduction"),
    "referral": _("Referred us"),
    "praise": _("Praise or thanks"),
    "complaint": _("Complaint"),
    "reply": _("Replied"),
    "clicked": _("Opened our content"),
    "automated_send": _("Automated mail sent"),
    "retraction": _("Retraction"),
}

COMPONENT_LABELS = {
    "reliability": _("Reliability"),
    "transparency": _("Transparency"),
    "competence": _("Competence"),
    "care": _("Care"),
    "other": _("Records"),
}

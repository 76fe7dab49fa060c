"""The gate for an external mailing tool: one or many recipients, by e-mail or id."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from django.db.models import Q
from django.db.models.functions import Lower

from trustfunnel.core.errors import InvalidInput
from trustfunnel.core.gate import RULES, Decision, MessageFacts, decide_batch, rules_from_bits
from trustfunnel.crm.models import Person
from trustfunnel.marketing import facts as facts_mod
from trustfunnel.marketing.models import Content
from trustfunnel.marketing.services import (
    content_languages,
    gate_params,
    message_for,
    pick_language,
)
from trustfunnel.workspaces.models import Workspace

MAX_RECIPIENTS = 1000


def check_recipients(
    workspace: Workspace,
    recipients: list[dict],
    *,
    now: datetime,
    content: Content | None = None,
    target_stages: list[str] | None = None,
    language: str | None = None,
) -> list[dict]:
    """A decision per requested recipient, in the order asked, with rules and reasons.

    Unknown recipients are answered SUPPRESS with rule ``unknown_recipient``: a tool must
    never mail someone the firm does not know has consented.
    """
    if not recipients:
        raise InvalidInput("{field}: give at least one recipient.", field="recipients")
    if len(recipients) > MAX_RECIPIENTS:
        raise InvalidInput("{field}: at most {max} recipients per call.", field="recipients",
                           max=MAX_RECIPIENTS)
    emails, ids = [], []
    for i, item in enumerate(recipients):
        if item.get("id") is not None:
            ids.append(int(item["id"]))
        elif item.get("email"):
            emails.append(str(item["email"]).strip().lower())
        else:
            raise InvalidInput("{field}: give an id or an email.", field=f"recipients[{i}]")
    people = list(
        Person.objects.for_workspace(workspace)
        .annotate(email_lower=Lower("email"))
        .filter(Q(pk__in=ids) | Q(email_lower__in=emails))
        .values_list("id", "email")
    )
    params = gate_params(workspace)
    # Only these people's rows are read: the cost follows the recipients asked, not the
    # size of the workspace.
    table = facts_mod.gather_people([pk for pk, _ in people], workspace_id=workspace.pk,
                                    now=now, params=params)
    if content is not None:
        available = content_languages(content)
        message = message_for(content)
    else:
        available = {language} if language else None
        message = MessageFacts(target_stages=tuple(target_stages or ()))
    if available is not None:
        ok = np.array([pick_language(lang, available) is not None for lang in table.languages],
                      dtype=bool)
        table.batch.language_available[:] = ok
    result = decide_batch(table.batch, message, params)
    return _answers(recipients, people, table, result, params)


def _answers(recipients, people, table, result, params) -> list[dict]:
    emails = {email.lower(): pk for pk, email in people}
    index = {int(pid): i for i, pid in enumerate(table.person_ids)}
    answers = []
    for item in recipients:
        pid = int(item["id"]) if item.get("id") is not None else emails.get(
            str(item.get("email", "")).strip().lower())
        i = index.get(pid) if pid is not None else None
        if i is None:
            answers.append({**_ask(item), "person_id": None, "decision": "suppress",
                            "rules": ["unknown_recipient"],
                            "reasons": ["This recipient is not known in this workspace."]})
            continue
        rules = rules_from_bits(int(result.rule_bits[i]))
        answers.append({
            **_ask(item), "person_id": pid,
            "decision": Decision(int(result.decisions[i])).code,
            "rules": [r.name.lower() for r in rules],
            "reasons": [RULES[r].format(
                breach_days=params.breach_days, cap_count=params.frequency_cap_count,
                cap_days=params.frequency_cap_days, active_days=params.active_conversation_days)
                for r in rules],
        })
    return answers


def _ask(item: dict) -> dict:
    return {k: item[k] for k in ("id", "email") if item.get(k) is not None}

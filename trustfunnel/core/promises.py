"""Promise detection: sentences in which the writer commits to do something.

Rule-based, English and Dutch, so every decision has a reason a user can read and no
model is downloaded. :func:`classify_sentence` labels a sentence ``promise`` (the
writer commits to an action), ``request`` (the writer asks the reader to act) or
``other``; :func:`find_promises` returns the promises of a text with a due date
resolved against the mail's date (weekdays, "tomorrow", "next week", "uiterlijk
dinsdag", "12 maart", "within 3 days"), or the default term when none is named.
Figures on a labelled set are in docs/imports.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

__all__ = [
    "PromiseParams",
    "PromiseFinding",
    "classify_sentence",
    "find_promises",
    "resolve_due_date",
    "split_sentences",
]


@dataclass(frozen=True, slots=True)
class PromiseParams:
    #: Days after the mail that a promise without a named date is due: a week is what
    #: "I'll send it" means to most readers; the user corrects it when confirming.
    default_due_days: int = 7
    #: Longest sentence (characters) considered; longer ones are quoted text or lists.
    max_sentence_length: int = 400


@dataclass(frozen=True, slots=True)
class PromiseFinding:
    sentence: str
    language: str  # "en" | "nl"
    due_date: date
    due_reason: str  # the words that set the date, or "default"
    reason: str  # the words that made it a promise


_ACTION_EN = (
    r"send|get back|call|ring|phone|email|e-mail|mail|forward|review|prepare|provide|deliver|"
    r"follow[- ]up|let you know|check|look into|look at|write|update|schedule|set up|arrange|"
    r"contact|confirm|share|fax|finish|complete|draft|bring|pay|ship|put together|take care|"
    r"make sure|have (?:it|them|the|a|an|this|that)|get (?:it|them|you|the|this|that)|"
    r"circulate|pass (?:it|this|that|them) (?:on|along)|come back|reply|respond|investigate|"
    r"organi[sz]e|book|reserve|sign|return|submit|deliver|handle|fix|resolve|give you|"
    r"touch base|keep you (?:posted|informed|updated)|do (?:it|that|this)|try to|make|add|"
    r"talk to|speak (?:to|with)|meet|visit|drop off|pick up|print|post|upload|attach|"
    r"ask|discuss|work on|put you|set|order|file|run|test|install|process|transfer|invoice"
)
_PROMISE_EN = re.compile(
    r"\b(?:i|we)(?:'ll| will| shall|'m going to| am going to|'re going to| are going to| promise to"
    r"| plan to| intend to| commit to)\s+(?:also\s+|definitely\s+|certainly\s+|personally\s+|then\s+|"
    r"now\s+|just\s+|still\s+|gladly\s+|happily\s+|be sure to\s+|first\s+)?(?:" + _ACTION_EN + r")\b"
    r"|\bi promise\b|\blet me (?:send|check|get back|look|find out|know)\b"
    r"|\b(?:you'll|you will) (?:receive|get|have) (?:it|them|the|a|an|our|my)\b.*\bfrom (?:me|us)\b"
    r"|\b(?:i|we)(?:'ll| will) be (?:sending|calling|forwarding|providing|preparing|delivering|in touch)\b",
    re.IGNORECASE,
)
_NOT_PROMISE_EN = re.compile(
    r"^\s*(?:if|when|unless|whether)\b|\b(?:i|we)(?:'ll| will) (?:not|never)\b|\bwon't\b|"
    r"\b(?:i|we) will (?:try|attempt)\b.*\bif\b|\bhopefully\b|\bprobably\b|\bmaybe\b|\bperhaps\b",
    re.IGNORECASE,
)
_REQUEST_EN = re.compile(
    r"\bplease\b|\b(?:could|can|would|will) you\b|\blet me know\b|\bi need you to\b|"
    r"\b(?:i|we) (?:would )?(?:need|require) (?:your|the|a|an|to have)\b|\bi'd appreciate\b|"
    r"\bkindly\b|^\s*(?:send|call|forward|review|check|give|let|provide|fax|email|sign|return)\b",
    re.IGNORECASE,
)

_ACTION_NL = (
    r"stuur\w*|stur\w*|verstur\w*|nem\w*|controle\w*|schrijv\w*|reage\w*|informe\w*|verstuur\w*|zend\w*|verzend\w*|bel\w*|mail\w*|kom\w*|laat|laten|zorg\w*|neem\w*|"
    r"bezorg\w*|lever\w*|regel\w*|plan\w*|maak\w*|bekijk\w*|controleer\w*|check\w*|"
    r"bevestig\w*|betal\w*|maken|schrijf\w*|werk\w*|pak\w*|geef|geven|doe|doen|breng\w*|"
    r"zet\w*|pas\w*|verwerk\w*|zoek\w*|reageer\w*|informeer\w*|lever|leveren"
)
_PROMISE_NL = re.compile(
    r"\b(?:ik|wij|we)\s+(?:zal|zullen|ga|gaan|beloof|beloven)\b"
    r"|\b(?:ik|wij|we)\s+(?:" + _ACTION_NL + r")\b(?!.*\?\s*$)"
    r"|\b(?:zal|zullen|stuur|sturen|bel|bellen|mail|mailen|kom|komen|laat|laten|zorg|zorgen|"
    r"neem|nemen|lever|leveren|regel|regelen)\s+(?:ik|wij|we)\b"
    r"|\bu\s+(?:ontvangt|krijgt|hoort)\b.*\bvan\s+(?:mij|ons)\b"
    r"|\bontvangt\s+u\b|\bkrijgt\s+u\b|\bhoort\s+u\b",
    re.IGNORECASE,
)
_NOT_PROMISE_NL = re.compile(
    r"^\s*(?:als|indien|wanneer|mocht|tenzij|of)\b|\b(?:ik|wij|we)\s+(?:zal|zullen|kan|kunnen)\s+(?:\w+\s+){0,3}niet\b|"
    r"\bniet\s+(?:sturen|komen|bellen)\b|\bmisschien\b|\bwellicht\b|\bhopelijk\b|\bzijn\s+(?:er\s+)?niet\b|"
    r"\b(?:ik|wij|we)\s+(?:ben|zijn|was|waren|heb|hebben|had|hadden|vind|vinden|denk|denken|hoop|hopen|"
    r"weet|weten|zie|zien\s+uit)\b",
    re.IGNORECASE,
)
_REQUEST_NL = re.compile(
    r"\b(?:kunt|kan|wilt|wil|zou|zoudt)\s+(?:u|je|jij)\b|\bgraag\s+(?:ontvang|ontvangen|zien|hoor|horen)\b|"
    r"\bverzoek\w*\b|\bvriendelijk\s+verzoek\b|\blaat\s+(?:u|je)\b.*\bweten\b|\bgelieve\b|"
    r"\bwil(?:t)?\s+(?:u|je)\b|\bstuur\s+(?:mij|ons|me)\b|\bbel\s+(?:mij|ons|me)\b|\bnodig\s+van\s+(?:u|jou|je)\b|"
    r"\bzou(?:den)?\s+(?:u|jullie|je)\b|\bgraag\s+(?:uw|je|jouw)\b",
    re.IGNORECASE,
)
_DUTCH_HINT = re.compile(
    r"\b(?:ik|wij|we|u|uw|de|het|een|en|van|niet|morgen|volgende|uiterlijk|graag|offerte|"
    r"stuur|sturen|zal|zullen|kunt|wilt|jullie|maandag|dinsdag|woensdag|donderdag|vrijdag)\b",
    re.IGNORECASE,
)


def language_of(sentence: str) -> str:
    words = re.findall(r"\w+", sentence.lower())
    hits = len(_DUTCH_HINT.findall(sentence))
    english = sum(w in ("the", "i", "you", "will", "to", "and", "of", "we", "please", "is") for w in words)
    return "nl" if hits > english else "en"


def split_sentences(text: str) -> list[str]:
    """Sentences of a mail body, without quoted replies ("> ...") and signatures."""
    lines = []
    for line in text.replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
        if stripped in ("--", "-- ") or re.match(r"^(?:on .* wrote:|op .* schreef .*:)$", stripped, re.I):
            break
        lines.append(stripped)
    text = "\n".join(lines)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n\s*\n|\n(?=[-*•])", text)
    return [" ".join(p.split()) for p in parts if p and p.strip()]


def classify_sentence(sentence: str) -> tuple[str, str]:
    """(label, reason): label is ``promise``, ``request`` or ``other``."""
    text = sentence.strip()
    if language_of(text) == "nl":
        promise, negative, request = _PROMISE_NL, _NOT_PROMISE_NL, _REQUEST_NL
    else:
        promise, negative, request = _PROMISE_EN, _NOT_PROMISE_EN, _REQUEST_EN
    found = promise.search(text)
    if found and not negative.search(text) and not text.endswith("?"):
        return "promise", found.group(0)
    asked = request.search(text)
    if asked or text.endswith("?"):
        return "request", asked.group(0) if asked else "?"
    return "other", ""


_WEEKDAYS = {
    **{d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])},
    **{d: i for i, d in enumerate(["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"])},
    **{d: i for i, d in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])},
}
_MONTHS = {
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                    "september", "october", "november", "december"], start=1)},
    **{m: i for i, m in enumerate(["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                                    "september", "oktober", "november", "december"], start=1)},
    **{m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)},
    "mrt": 3, "okt": 10, "mei": 5,
}
_RELATIVE = [
    (re.compile(r"\b(?:today|vandaag|this afternoon|vanmiddag|tonight|vanavond|end of (?:the )?day|eod)\b", re.I), 0),
    (re.compile(r"\b(?:day after tomorrow|overmorgen)\b", re.I), 2),
    (re.compile(r"\b(?:tomorrow|morgen)\b", re.I), 1),
]


def _next_weekday(after: date, weekday: int, *, next_week: bool) -> date:
    days = (weekday - after.weekday()) % 7 or 7
    result = after + timedelta(days=days)
    if next_week and (result - after).days < 7 and result.isocalendar()[1] == after.isocalendar()[1]:
        result += timedelta(days=7)
    return result


def resolve_due_date(sentence: str, sent: date, params: PromiseParams | None = None) -> tuple[date, str]:
    """The date a sentence names, relative to ``sent``; the default term otherwise."""
    params = params or PromiseParams()
    text = sentence.lower()
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3])), iso[0]
        except ValueError:
            pass
    named = re.search(r"\b(\d{1,2})(?:st|nd|rd|th|e)?\s+(" + "|".join(_MONTHS) + r")\b", text) or re.search(
        r"\b(" + "|".join(_MONTHS) + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b", text
    )
    if named:
        day_s, month_s = (named[1], named[2]) if named[1].isdigit() else (named[2], named[1])
        try:
            due = date(sent.year, _MONTHS[month_s], int(day_s))
            if due < sent:
                due = date(sent.year + 1, due.month, due.day)
            return due, named[0]
        except ValueError:
            pass
    within = re.search(r"\b(?:within|in|binnen|over)\s+(\d+|a|one|two|three|een|twee|drie)\s+(day|days|dag|dagen|week|weeks|weken)\b", text)
    if within:
        count = {"a": 1, "one": 1, "een": 1, "two": 2, "twee": 2, "three": 3, "drie": 3}.get(within[1]) or int(within[1])
        unit = 7 if within[2].startswith("we") else 1
        return sent + timedelta(days=count * unit), within[0]
    weekday = re.search(r"\b(" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\b", text)
    if weekday:
        next_week = bool(re.search(r"\b(?:next week|volgende week)\b", text))
        return _next_weekday(sent, _WEEKDAYS[weekday[1]], next_week=next_week), weekday[0]
    for pattern, days in _RELATIVE:
        found = pattern.search(text)
        if found:
            return sent + timedelta(days=days), found[0]
    if re.search(r"\b(?:end of (?:the|this) week|eind(?:e)? van (?:de|deze) week|this week|deze week)\b", text):
        return _next_weekday(sent - timedelta(days=1), 4, next_week=False), "end of the week"
    if re.search(r"\b(?:next week|volgende week)\b", text):
        return sent + timedelta(days=7), "next week"
    if re.search(r"\b(?:end of (?:the|this) month|eind(?:e)? van de maand)\b", text):
        first_next = (sent.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first_next - timedelta(days=1), "end of the month"
    return sent + timedelta(days=params.default_due_days), "default"


def find_promises(text: str, *, sent_at: datetime, params: PromiseParams | None = None) -> list[PromiseFinding]:
    params = params or PromiseParams()
    findings = []
    for sentence in split_sentences(text):
        if len(sentence) > params.max_sentence_length:
            continue
        label, reason = classify_sentence(sentence)
        if label != "promise":
            continue
        due, due_reason = resolve_due_date(sentence, sent_at.date(), params)
        findings.append(PromiseFinding(sentence, language_of(sentence), due, due_reason, reason))
    return findings

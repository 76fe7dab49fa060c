"""The core engines' English templates, listed for the translation catalogue.

Core cannot import gettext; `makemessages` finds these here, and
:func:`trustfunnel.culture.presenters.reason_text` translates them at display time.
Regenerate when a template in core/culture.py or core/pacing.py changes.
"""

from django.utils.translation import gettext_noop

CORE_TEMPLATES = [
    gettext_noop('Power distance'),
    gettext_noop('Individualism'),
    gettext_noop('Masculinity'),
    gettext_noop('Uncertainty avoidance'),
    gettext_noop('Long-term orientation'),
    gettext_noop('Indulgence'),
    gettext_noop('Buyers from {buyer} avoid uncertainty more than we do ({theirs:.0f} vs {ours:.0f}): they expect thorough, precise answers and clear agreements.'),
    gettext_noop('Buyers from {buyer} take a longer view ({theirs:.0f} vs {ours:.0f}): expect a longer road to a yes; pressing for a quick close reads as pushy.'),
    gettext_noop('Hierarchy matters more in {buyer} ({theirs:.0f} vs {ours:.0f}): reach the decision-maker and expect a formal sign-off.'),
    gettext_noop('Buyers from {buyer} are more individualist ({theirs:.0f} vs {ours:.0f}): business can come before the relationship.'),
    gettext_noop('Buyers from {buyer} tolerate uncertainty more than we do ({theirs:.0f} vs {ours:.0f}): our carefulness may strike them as slow.'),
    gettext_noop('Buyers from {buyer} look for results sooner ({theirs:.0f} vs {ours:.0f}): show short-term benefits and keep moving.'),
    gettext_noop('Hierarchy is flatter in {buyer} ({theirs:.0f} vs {ours:.0f}): the people you talk to may decide themselves.'),
    gettext_noop('Relationships come before business in {buyer} ({theirs:.0f} vs {ours:.0f}): invest in personal contact before the offer.'),
    gettext_noop('German buyers often experience Dutch decision-making as slow: they expect thorough, fast and precise answers.'),
    gettext_noop('Ukrainian firms, shaped by years of crises, treat speed as survival: they expect quick answers and decisions.'),
    gettext_noop('French buyers see themselves as efficient and may be frustrated by a Dutch pace they find slow.'),
    gettext_noop('Expect Dutch buyers to take longer over the decision than a German supplier would like; patience pays.'),
    gettext_noop("Dutch buyers want time and care before committing: a Ukrainian supplier's speed can feel like pressure to them."),
    gettext_noop('{a} and {b} have no dimension scored in common: no distance.'),
    gettext_noop('Kogut–Singh distance over {used} of 6 dimensions ({names}).'),
    gettext_noop("{n} deal(s), {won} won: the estimate is {data:.0%} the firm's own deals and {prior:.0%} prior (weight n/(n+{k:g}))."),
    gettext_noop('By the heuristic, buyers from {buyer} need about {theirs:.0f} weeks to a yes, buyers from {home} about {ours:.0f}.'),
    gettext_noop('Left out because a score is missing: {names}.'),
    gettext_noop('Heuristic from {names} of {country}: caution index {caution:+.2f} gives about {weeks:.0f} weeks and {touches:.0f} touches before a yes.'),
    gettext_noop('No uncertainty avoidance, long-term orientation or power distance score for {country}: a neutral prior of {weeks:.0f} weeks.'),
    gettext_noop('Fewer than half of the deals said yes within the {longest:.0f} days we watched them: the median is longer than that.'),
    gettext_noop('{label}: no score for {country}, not compared.'),
    gettext_noop('Buyers from {country} need about {weeks:.0f} weeks to a yes ({source}); at stage {stage} that means a touch every {gap:.0f} days.'),
    gettext_noop('Their e-mail has waited {days:.0f} business days for an answer; buyers from {country} expect one within {limit:.0f}.'),
    gettext_noop('{count} touches of ours since we last heard from them: give them room, and change channel.'),
    gettext_noop('The proposal came {days:.0f} days after first contact; buyers from {country} typically need about {typical:.0f}.'),
    gettext_noop('No meaningful contact for {days} days, more than the expected gap of {gap:.0f}.'),
    gettext_noop('The deal has been open {days:.0f} days, well past the typical {typical:.0f}: keep it warm with something personally relevant.'),
    gettext_noop('Their e-mail waits for an answer ({days:.0f} business days so far).'),
    gettext_noop("No deals with buyers from {country} yet: the prior alone."),
]

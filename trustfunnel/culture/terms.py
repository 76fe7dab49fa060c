"""The notice about the culture data's source and terms, shown wherever scores are."""

from django.utils.translation import gettext_lazy as _


def data_notice():
    return _(
        "Scores: Hofstede, Hofstede & Minkov, Cultures and Organizations, 3rd ed. (2010), "
        "six-dimension data matrix (2015). The publisher allows use of its data for "
        "non-commercial purposes and asks commercial users to contact it: if your firm uses "
        "trustfunnel commercially, check the terms or load licensed data of your own "
        "(trustfunnel culture load FILE). Ukraine's power distance and uncertainty avoidance "
        "come from the publisher's later country profile, not the 2015 matrix."
    )


def heuristic_notice():
    return _(
        "The pace prior is a heuristic, not a measurement: it turns uncertainty avoidance, "
        "long-term orientation and power distance into a rough guess of weeks, touches and "
        "reply time. Your own deals replace it as they accumulate."
    )

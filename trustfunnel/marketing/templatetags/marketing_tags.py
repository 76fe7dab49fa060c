from django import template

from trustfunnel.marketing.labels import rule_labels

register = template.Library()


@register.filter
def gate_rules(bits: int) -> list:
    return [str(label) for label in rule_labels(int(bits or 0))]

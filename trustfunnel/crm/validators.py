"""Field validators for identifiers, with python-stdnum and phonenumbers.

Each returns the normalised value, or raises ``ValidationError`` with a message that
names what is wrong; forms and the API show it on the field.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

#: VAT schemes outside the EU VIES list that python-stdnum also checks.
_NON_EU_VAT = {"GB": "vat", "CH": "vat", "NO": "mva"}


def normalize_vat(value: str) -> str:
    """A VAT number with its two-letter country prefix, checked by python-stdnum."""
    raw = re.sub(r"[\s.\-]", "", value or "").upper()
    if not raw:
        return ""
    if len(raw) < 4 or not raw[:2].isalpha():
        raise ValidationError(
            _("A VAT number starts with its country code, e.g. NL123456789B01."),
            code="vat_prefix",
        )
    country = raw[:2]
    module_name = _NON_EU_VAT.get(country, "vat")
    lookup = {"EL": "gr"}.get(country, country.lower())
    module = get_cc_module(lookup, module_name)
    if module is None:
        raise ValidationError(
            _("VAT numbers of country %(country)s cannot be checked.") % {"country": country},
            code="vat_country",
        )
    try:
        # Country modules accept the number with or without prefix.
        compact = module.validate(raw)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid VAT number (%(reason)s).")
            % {"value": value, "reason": exc.message},
            code="vat_invalid",
        ) from None
    compact = str(compact).upper()
    return compact if compact.startswith(country) else country + compact


def validate_vat(value: str) -> None:
    normalize_vat(value)


def normalize_chamber_number(value: str, country: str | None) -> str:
    """Chamber-of-Commerce number: NL KvK is 8 digits; BE the enterprise number."""
    raw = re.sub(r"[\s.\-]", "", value or "")
    if not raw:
        return ""
    country = (country or "").upper()
    if country == "NL":
        if not re.fullmatch(r"\d{8}", raw):
            raise ValidationError(
                _("A Dutch KvK number has 8 digits."), code="kvk_invalid"
            )
        return raw
    if country == "BE":
        module = get_cc_module("be", "vat")
        try:
            return module.validate(raw)
        except StdnumError as exc:
            raise ValidationError(
                _("%(value)s is not a valid Belgian enterprise number (%(reason)s).")
                % {"value": value, "reason": exc.message},
                code="kbo_invalid",
            ) from None
    if not re.fullmatch(r"[A-Za-z0-9/]{2,30}", raw):
        raise ValidationError(
            _("A registration number has 2 to 30 letters and digits."), code="chamber_invalid"
        )
    return raw.upper()


def normalize_phone(value: str, country: str | None = None) -> str:
    """A phone number in E.164 form (+31201234567), checked by phonenumbers."""
    if not (value or "").strip():
        return ""
    try:
        parsed = phonenumbers.parse(value, (country or "NL").upper())
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("%(value)s is not a phone number.") % {"value": value}, code="phone_unparsable"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("%(value)s is not a valid phone number.") % {"value": value}, code="phone_invalid"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    normalize_phone(value)


def normalize_name(value: str) -> str:
    """Lower-case name without legal-form suffixes or punctuation, for duplicate matching."""
    text = re.sub(r"[^\w\s]", " ", (value or "").casefold())
    text = re.sub(
        r"\b(b ?v|n ?v|v ?o ?f|gmbh|ag|sarl|sas|sa|ltd|llc|inc|bv|nv|vof|tov|sp ?z ?o ?o|kk)\b",
        " ",
        text,
    )
    return " ".join(text.split())

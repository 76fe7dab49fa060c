"""Valid-looking identifiers for invented firms: VAT and phone numbers that pass the
same checks (python-stdnum, phonenumbers) as user input does.

Random digits are drawn from the caller's ``random.Random`` and the check digits are
found by trying candidates against stdnum's own validators, so each number is valid by
the library's definition and the result is deterministic for a seed. Countries without
a VAT scheme stdnum can check (UA, US, JP) get no VAT number.
"""

from __future__ import annotations

import random
import unicodedata

import phonenumbers
from stdnum import get_cc_module
from stdnum.fr import siren

__all__ = ["make_vat", "make_phone", "ascii_slug"]

#: Spellings NFKD does not reduce the way people write them in e-mail addresses.
_TRANSLITERATE = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ł": "l", "Ł": "L",
                                "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ø": "o", "æ": "ae"})


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters, digits and hyphens for e-mail addresses and domains
    (Müller -> mueller, Łukasz -> lukasz, Lefèvre -> lefevre)."""
    plain = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    plain = plain.encode("ascii", "ignore").decode().lower().replace(" ", "")
    return "".join(ch for ch in plain if ch.isalnum() or ch == "-")

_VAT_BODY = {
    "NL": lambda r: _digits(r, 9) + "B01",
    "BE": lambda r: "0" + str(r.randint(2, 9)) + _digits(r, 8),
    "DE": lambda r: str(r.randint(1, 9)) + _digits(r, 8),
    "GB": lambda r: str(r.randint(1, 9)) + _digits(r, 8),
    "PL": lambda r: str(r.randint(1, 9)) + _digits(r, 9),
}


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def make_vat(country: str, rng: random.Random) -> str:
    """A VAT number that stdnum accepts for ``country``, or "" where none applies."""
    if country == "FR":
        for _ in range(1000):
            number = str(rng.randint(1, 9)) + _digits(rng, 8)
            if siren.is_valid(number):
                tva = siren.to_tva(number)
                return tva if tva.startswith("FR") else "FR" + tva
        return ""
    body = _VAT_BODY.get(country)
    if body is None:
        return ""
    module = get_cc_module(country.lower(), "vat")
    for _ in range(5000):
        candidate = country + body(rng)
        if module.is_valid(candidate):
            return candidate
    return ""


def make_phone(country: str, rng: random.Random, *, mobile: bool = False) -> str:
    """A phone number valid for ``country`` by phonenumbers, in E.164 form."""
    kind = phonenumbers.PhoneNumberType.MOBILE if mobile else phonenumbers.PhoneNumberType.FIXED_LINE
    example = phonenumbers.example_number_for_type(country, kind) or phonenumbers.example_number(country)
    national = str(example.national_number)
    keep = max(2, len(national) - 5)
    for _ in range(200):
        candidate = national[:keep] + _digits(rng, len(national) - keep)
        parsed = phonenumbers.parse("+" + str(example.country_code) + candidate)
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)

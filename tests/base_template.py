"""A stand-in ``base.html`` for page tests, used only if the web app has none yet."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

FALLBACK = Path(__file__).parent / "fallback_templates"


@pytest.fixture(autouse=True)
def base_template(settings):
    try:
        get_template("base.html")
    except TemplateDoesNotExist:
        engine = settings.TEMPLATES[0]
        settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], FALLBACK]}, *settings.TEMPLATES[1:]]

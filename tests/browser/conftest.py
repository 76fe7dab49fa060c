from pathlib import Path

import pytest
from django.conf import settings

from tests.imports.conftest import _var_dir, pages  # noqa: F401 - shared fixtures


@pytest.fixture(scope="session", autouse=True)
def _static_root(django_db_setup):
    # WhiteNoise warns (an error here) when the collected-static folder is missing.
    # Depending on django_db_setup makes the test database outlive the live server,
    # whose thread still holds a connection when the session ends.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

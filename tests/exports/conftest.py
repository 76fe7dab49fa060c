from tests.base_template import base_template  # noqa: F401 (autouse fixture)

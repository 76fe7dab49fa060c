"""The production static storage answers as WhiteNoise's manifest storage does."""

from __future__ import annotations

import json

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from trustfunnel.web.staticstorage import StaticStorage


def _manifest(tmp_path):
    (tmp_path / "staticfiles.json").write_text(json.dumps(
        {"paths": {"css/app.css": "css/app.0123abcd.css"}, "version": "1.1", "hash": "x"}))


@pytest.mark.parametrize("repeat", [1, 3])
def test_urls_are_the_manifest_storage_urls(tmp_path, settings, repeat):
    settings.DEBUG = False
    _manifest(tmp_path)
    ours = StaticStorage(location=tmp_path, base_url="/static/")
    theirs = CompressedManifestStaticFilesStorage(location=tmp_path, base_url="/static/")
    for _ in range(repeat):
        assert ours.url("css/app.css") == theirs.url("css/app.css") == "/static/css/app.0123abcd.css"


def test_a_file_missing_from_the_manifest_is_refused_every_time(tmp_path, settings):
    settings.DEBUG = False
    _manifest(tmp_path)
    storage = StaticStorage(location=tmp_path, base_url="/static/")
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")

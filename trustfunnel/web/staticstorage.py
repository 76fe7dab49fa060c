"""WhiteNoise's compressed manifest storage, with each static URL worked out once.

Every page links the same handful of CSS and JavaScript files; resolving a name through
the manifest (hashing lookup, cleaning, URL quoting) on every ``{% static %}`` cost as
much as a small template. The manifest does not change while a process runs (a deploy
restarts the processes after ``collectstatic``), so the answer is kept per name.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = super().url(name)
        return url

"""Django's database sessions, read with a query compiled once per connection.

Every logged-in page reads its session row first. Django's store builds
``Session.objects.get(session_key=..., expire_date__gt=now)`` through the ORM each time;
this store runs the same look-up by key from SQL compiled once
(:mod:`trustfunnel.web.compiled`) and applies the expiry in Python, so an expired
session is refused exactly as before. Writing, cycling and deleting are Django's.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from trustfunnel.web.compiled import CompiledQuery

_BY_KEY = CompiledQuery(
    lambda key: DatabaseSessionStore.get_model_class().objects.filter(session_key=key), ""
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        try:
            rows = _BY_KEY.run(self.session_key or "")
        except SuspiciousOperation as exc:
            logging.getLogger(f"django.security.{exc.__class__.__name__}").warning(str(exc))
            rows = []
        if rows and rows[0].expire_date > timezone.now():
            return rows[0]
        self._session_key = None
        return None

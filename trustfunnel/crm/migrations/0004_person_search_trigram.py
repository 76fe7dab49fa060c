"""Trigram (pg_trgm) GIN indexes for the people search, on PostgreSQL only.

The search (``?q=``, page and API) is ``icontains`` on first name, last name and
e-mail, which Django writes as ``UPPER(col::text) LIKE UPPER('%word%')``: a substring,
so a B-tree cannot help and every person of the table is read. A GIN index with
``gin_trgm_ops`` on exactly that expression answers it (a bitmap OR of three index
scans). SQLite has no such index and keeps the scan; so does a PostgreSQL without the
pg_trgm extension available (the migration then does nothing and says so).
"""

from __future__ import annotations

import sys

from django.db import migrations

COLUMNS = ("first_name", "last_name", "email")


def _name(column: str) -> str:
    return f"person_{column}_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            sys.stderr.write("pg_trgm is not available: people search stays a table scan.\n")
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {_name(column)} ON crm_person "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_name(column)}")


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_person_email_lower_index")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

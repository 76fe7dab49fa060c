"""Fewer indexes on crm_person: a million-row import paid for each one on every row
(decision 78).

- The foreign key's own index on ``workspace_id`` goes: every other index leads with
  the workspace (``person_ws_id`` serves "all people of a workspace" and its deletion).
- ``(workspace, email)`` goes: e-mail look-ups compare ``lower(email)``, which
  ``person_ws_email_lower`` serves.
- ``(workspace, organization)`` goes: the foreign key's index on ``organization_id``
  finds an organisation's people (an organisation belongs to one workspace).
- The three trigram indexes of crm 0004 (first name, last name, e-mail) become one on
  the search text of :mod:`trustfunnel.crm.search`. PostgreSQL with pg_trgm only;
  elsewhere (or without the extension) this step does nothing.
"""

from __future__ import annotations

import sys

import django.db.models.deletion
from django.db import migrations, models

OLD_TRIGRAMS = ("person_first_name_trgm", "person_last_name_trgm", "person_email_trgm")
SEARCH_INDEX = "person_search_trgm"
#: Exactly what Django writes for ``icontains`` on crm.search.PersonSearchText.
SEARCH_EXPRESSION = (
    """UPPER(("crm_person"."first_name" || ' ' || "crm_person"."last_name" || ' ' """
    """|| "crm_person"."email")::text)"""
)


def _has_trigrams(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def one_search_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    if not _has_trigrams(connection):
        sys.stderr.write("pg_trgm is not available: people search stays a table scan.\n")
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in OLD_TRIGRAMS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {SEARCH_INDEX} ON crm_person USING gin (({SEARCH_EXPRESSION}) gin_trgm_ops)"
    )


def three_search_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")
    if not _has_trigrams(connection):
        return
    for name, column in zip(OLD_TRIGRAMS, ("first_name", "last_name", "email"), strict=True):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON crm_person USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_person_search_trigram"),
        ("workspaces", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="person", name="person_ws_email"),
        migrations.RemoveIndex(model_name="person", name="person_ws_org"),
        migrations.AlterField(
            model_name="person",
            name="workspace",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="workspaces.workspace",
            ),
        ),
        migrations.RunPython(one_search_index, three_search_indexes, elidable=False),
    ]

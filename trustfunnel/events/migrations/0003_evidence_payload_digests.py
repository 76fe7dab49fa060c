"""The evidence log hashes a digest of each entry's payload instead of the payload, so a
person's payloads can be erased while the chain keeps verifying.

For every workspace that has a log, in order of ``seq`` and in pages (constant memory):

1. the existing chain is verified in its first format (payload hashed in full); a
   broken chain stops the migration with the workspace and the entry named: a chain
   that no longer proves anything is not re-sealed as if it did (run
   ``trustfunnel evidence verify``, investigate, restore from a backup);
2. each entry gets a random salt and its payload digest, and the chain is re-sealed in
   the new format;
3. the chain head keeps the last hash of the old format (``migrated_from_hash``), so a
   hash printed in an earlier export can be tied to the re-sealed chain.

Self-contained: the canonical texts of both formats are written out here, not imported
(the application's may change later). Reversible while nothing has been erased.
"""

import hashlib
import json
import secrets
from datetime import UTC

from django.db import migrations, models

GENESIS = "0" * 64
PAGE = 5000
_quote = json.encoder.encode_basestring


def _at(value) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _null(value) -> str:
    return "null" if value is None else str(int(value))


def _v1(row) -> str:
    return (f'{{"body":{_quote(row["body"])},"data":{_quote(row["data_json"])},'
            f'"kind":{_quote(row["kind"])},"recorded_at":{_quote(_at(row["recorded_at"]))},'
            f'"recorded_by":{_null(row["recorded_by_id"])},'
            f'"relationship":{_null(row["relationship_id"])},"seq":{int(row["seq"])},'
            f'"subject":{_quote(row["subject"])},"workspace":{int(row["workspace_id"])}}}')


def _payload(row, salt: str) -> str:
    text = (f'{{"body":{_quote(row["body"])},"data":{_quote(row["data_json"])},'
            f'"salt":{_quote(salt)},"subject":{_quote(row["subject"])}}}')
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _v2(row, payload: str) -> str:
    return (f'{{"kind":{_quote(row["kind"])},"payload":{_quote(payload)},'
            f'"recorded_at":{_quote(_at(row["recorded_at"]))},'
            f'"recorded_by":{_null(row["recorded_by_id"])},'
            f'"relationship":{_null(row["relationship_id"])},"seq":{int(row["seq"])},'
            f'"workspace":{int(row["workspace_id"])}}}')


def _sha(prev: str, text: str) -> str:
    return hashlib.sha256((prev + text).encode("utf-8")).hexdigest()


FIELDS = ("id", "workspace_id", "seq", "relationship_id", "kind", "subject", "body",
          "data_json", "recorded_at", "recorded_by_id", "prev_hash", "hash", "payload_salt",
          "payload_digest", "erased_at")


def _pages(Entry, workspace_id):
    after = 0
    while True:
        page = list(Entry.objects.filter(workspace_id=workspace_id, seq__gt=after)
                    .order_by("seq").values(*FIELDS)[:PAGE])
        if not page:
            return
        yield page
        after = page[-1]["seq"]


def _write(schema_editor, table: str, rows) -> None:
    """One statement per page on PostgreSQL (UPDATE ... FROM VALUES), a prepared
    statement per row elsewhere."""
    if not rows:
        return
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s, %s, %s, %s::bigint)"] * len(rows))
            cursor.execute(
                f"UPDATE {table} AS e SET payload_digest = v.d, payload_salt = v.s, "
                f"prev_hash = v.p, hash = v.h FROM (VALUES {values}) AS v(d, s, p, h, id) "
                "WHERE e.id = v.id", [value for row in rows for value in row])
        else:
            cursor.executemany(
                f"UPDATE {table} SET payload_digest = %s, payload_salt = %s, prev_hash = %s, "
                "hash = %s WHERE id = %s", rows)


def _broken(workspace_id, row, why):
    return RuntimeError(
        f"The evidence log of workspace {workspace_id} is broken at entry {row['seq']} "
        f"(id {row['id']}): {why}. The migration does not re-seal a broken chain; run "
        "`trustfunnel evidence verify`, find out what changed, restore the log from a backup "
        "and migrate again.")


def reseal(apps, schema_editor):
    Entry = apps.get_model("events", "EvidenceEntry")
    Head = apps.get_model("events", "EvidenceChainHead")
    table = schema_editor.quote_name(Entry._meta.db_table)
    workspaces = Entry.objects.order_by().values_list("workspace_id", flat=True).distinct()
    for workspace_id in list(workspaces):
        old_prev, new_prev, expected = GENESIS, GENESIS, 1
        for page in _pages(Entry, workspace_id):
            updates = []
            for row in page:
                if row["seq"] != expected:
                    raise _broken(workspace_id, row, f"entry {expected} is missing")
                if row["prev_hash"] != old_prev or _sha(old_prev, _v1(row)) != row["hash"]:
                    raise _broken(workspace_id, row, "its content no longer matches its hash")
                salt = secrets.token_hex(16)
                payload = _payload(row, salt)
                new_hash = _sha(new_prev, _v2(row, payload))
                updates.append((payload, salt, new_prev, new_hash, row["id"]))
                old_prev, new_prev, expected = row["hash"], new_hash, expected + 1
            _write(schema_editor, table, updates)
        head = Head.objects.filter(workspace_id=workspace_id).first()
        if head is None or head.last_hash != old_prev or head.last_seq != expected - 1:
            raise RuntimeError(
                f"The evidence log of workspace {workspace_id} ends at entry {expected - 1} but "
                "its chain head says otherwise (entries were removed from the end). The "
                "migration does not re-seal a broken chain; run `trustfunnel evidence verify`.")
        Head.objects.filter(workspace_id=workspace_id).update(last_hash=new_prev,
                                                               migrated_from_hash=old_prev)


def unseal(apps, schema_editor):
    """Back to hashing payloads in full; impossible once a payload was erased."""
    Entry = apps.get_model("events", "EvidenceEntry")
    Head = apps.get_model("events", "EvidenceChainHead")
    if Entry.objects.filter(erased_at__isnull=False).exists():
        raise RuntimeError("Erased evidence payloads cannot be hashed in full again; "
                           "this migration cannot be reversed.")
    table = schema_editor.quote_name(Entry._meta.db_table)
    workspaces = Entry.objects.order_by().values_list("workspace_id", flat=True).distinct()
    for workspace_id in list(workspaces):
        prev = GENESIS
        for page in _pages(Entry, workspace_id):
            updates = []
            for row in page:
                current = _sha(prev, _v1(row))
                updates.append(("", "", prev, current, row["id"]))
                prev = current
            _write(schema_editor, table, updates)
        Head.objects.filter(workspace_id=workspace_id).update(last_hash=prev, migrated_from_hash="")


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0002_invoice_credit_notes'),
    ]

    operations = [
        migrations.AddField(
            model_name='evidencechainhead',
            name='migrated_from_hash',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='evidenceentry',
            name='erased_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='erased'),
        ),
        migrations.AddField(
            model_name='evidenceentry',
            name='payload_digest',
            field=models.CharField(default='', max_length=64),
        ),
        migrations.AddField(
            model_name='evidenceentry',
            name='payload_salt',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.RunPython(reseal, unseal),
    ]

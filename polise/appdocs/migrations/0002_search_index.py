"""The search index: an FTS5 table on SQLite; on PostgreSQL a stored, generated tsvector column
with a GIN index (the 'indonesian' text search configuration when the server has it, else
'simple'); nothing on other databases (see polise/appdocs/search.py)."""

from django.db import migrations


def _pg_config(schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = 'indonesian'")
        return "indonesian" if cursor.fetchone() else "simple"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS appdocs_search USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    elif vendor == "postgresql":
        # A stored tsvector the ORM never sees (it selects and inserts only its own
        # columns): ranking reads it instead of parsing each matching page again.
        config = _pg_config(schema_editor)
        schema_editor.execute(
            "ALTER TABLE appdocs_docpage ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            f"(setweight(to_tsvector('{config}', title), 'A') || "
            f"to_tsvector('{config}', text)) STORED"
        )
        schema_editor.execute(
            "CREATE INDEX appdocs_docpage_fts ON appdocs_docpage USING GIN (search_vector)"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS appdocs_search")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS appdocs_docpage_fts")
        schema_editor.execute("ALTER TABLE appdocs_docpage DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("appdocs", "0001_initial")]
    operations = [migrations.RunPython(create, drop, elidable=False)]

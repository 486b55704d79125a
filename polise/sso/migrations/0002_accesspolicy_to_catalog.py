# The access policy moved to the catalog, where the one access rule lives. The table stays
# as it is here; catalog 0002 takes it over (and renames it) without copying a row.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("sso", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AccessPolicy")],
            database_operations=[],
        ),
    ]

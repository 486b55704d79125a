# The access policy, formerly sso.AccessPolicy: taken over in the state with its old table
# name, then renamed (with its two many-to-many tables) so the rows stay where they are.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_auditevent_mfarequirement"),
        ("catalog", "0001_initial"),
        ("sso", "0002_accesspolicy_to_catalog"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AccessPolicy",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("audience", models.CharField(choices=[("signed_in", "Everyone signed in"), ("listed", "Only the listed org units and users")], default="signed_in", max_length=16, verbose_name="who may open it")),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("app", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="access_policy", to="catalog.app", verbose_name="app")),
                        ("units", models.ManyToManyField(blank=True, help_text="Members of these org units may open the app.", related_name="+", to="accounts.orgunit", verbose_name="org units")),
                        ("users", models.ManyToManyField(blank=True, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="users")),
                    ],
                    options={
                        "verbose_name": "access policy",
                        "verbose_name_plural": "access policies",
                        "db_table": "sso_accesspolicy",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="accesspolicy", table=None),
    ]

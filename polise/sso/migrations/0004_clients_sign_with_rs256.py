# ID tokens are signed with RS256 only. A client saved without an algorithm (the toolkit's
# default in the admin) could never get an ID token; it signs with RS256 from now on. A client
# set to HS256 is left as it is and gets no code until the platform team switches it.

from django.db import migrations


def no_algorithm_to_rs256(apps, schema_editor):
    Application = apps.get_model("oauth2_provider", "Application")
    Application.objects.filter(algorithm="").update(algorithm="RS256")


class Migration(migrations.Migration):
    dependencies = [
        ("sso", "0003_token_family_code"),
        ("oauth2_provider", "0022_refreshtoken_token_family_index"),
    ]

    operations = [migrations.RunPython(no_algorithm_to_rs256, migrations.RunPython.noop)]

"""The catch-up commands choose their apps the same way: every app with a repository, or the
ones named with --app, and a name that is not such an app stops the command saying which."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_app

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("command", ["news_catchup", "contributions_catchup"])
def test_catch_up_commands_queue_the_chosen_apps_and_name_unknown_ones(command, capsys):
    make_app(slug="simpeg", repo="pemprov-demo/simpeg")
    make_app(slug="sipandu", repo="pemprov-demo/sipandu")
    make_app(slug="tanpa-repo", repo="")
    call_command(command)
    assert "for 2 app(s)" in capsys.readouterr().out
    call_command(command, "--app", "simpeg")
    assert "for 1 app(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no app with a repository: nope, tanpa-repo"):
        call_command(command, "--app", "simpeg", "--app", "tanpa-repo", "--app", "nope")

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from polise.accounts.models import OrgUnit
from polise.catalog.models import Placement, Technology

from . import spec


def _choices(question: str) -> list[tuple[str, str]]:
    return [(c, c) for c in spec.template_questions()[question].get("choices", [])]


class OnboardingForm(forms.Form):
    """The platform team's form; `spec.parse` is the one set of rules (shared with the CLI)."""

    name = forms.CharField(
        label=_("Short name"),
        max_length=64,
        help_text=_("Lower-case letters, digits and '-': the repository, stack and host name."),
    )
    title = forms.CharField(label=_("App name"), max_length=120)
    summary = forms.CharField(label=_("What it is for, in one sentence"), max_length=200)
    owner_unit = forms.ChoiceField(label=_("Owning unit"))
    technology = forms.ChoiceField(label=_("Technology template"), choices=Technology.choices)
    framework = forms.ChoiceField(
        label=_("Python framework"),
        required=False,
        help_text=_("Only for the Python template."),
    )
    sso = forms.ChoiceField(label=_("How users sign in"))
    developers = forms.CharField(
        label=_("Developers' GitHub logins"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Separated by spaces or new lines; they may push."),
    )
    maintainers = forms.CharField(
        label=_("Owners' GitHub logins"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("They also manage the repository's settings."),
    )
    placement = forms.ChoiceField(label=_("Placement"), choices=Placement.choices)
    databases = forms.MultipleChoiceField(
        label=_("Databases"),
        required=False,
        choices=[("postgresql", "PostgreSQL"), ("mysql", "MySQL/MariaDB")],
        widget=forms.CheckboxSelectMultiple,
    )
    bucket = forms.BooleanField(label=_("Object storage (a MinIO bucket)"), required=False)
    url = forms.URLField(
        label=_("Public URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty for https://NAME.apps.lan."),
    )
    repo = forms.CharField(
        label=_("Repository"),
        required=False,
        help_text=_("organisation/name; leave empty for the office's organisation."),
    )
    private = forms.BooleanField(label=_("Private repository"), required=False, initial=True)
    delivery = forms.ChoiceField(
        label=_("Passwords go to"),
        choices=[
            ("actions", _("GitHub Actions secrets (the deploy workflow reads them)")),
            ("docker", _("Swarm secrets, made through the Docker API")),
        ],
        initial="actions",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = {
            "owner_unit": list(OrgUnit.objects.order_by("name").values_list("slug", "name")),
            "framework": [("", "—"), *_choices("framework")],
            "sso": _choices("sso"),
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
        self.request: spec.OnboardingRequest | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Every rule is checked at once, so that all problems are listed together: a field
        # the form itself refused is checked again here as typed.
        raw = {name: data.get(name, self.data.get(name)) for name in self.fields}
        getlist = getattr(self.data, "getlist", lambda name: self.data.get(name) or [])
        raw["databases"] = data.get("databases", getlist("databases"))
        options = {"sso": raw["sso"]}
        if raw.get("framework"):
            options["framework"] = raw["framework"]
        try:
            self.request = spec.parse(
                {**{k: raw.get(k) for k in spec.FIELDS if k in raw}, "template_options": options}
            )
        except spec.OnboardingInvalid as exc:
            for name, message in exc.errors.items():
                field = "framework" if name == "template_options" else name
                if field == "__all__" or field not in self.errors:
                    self.add_error(None if field == "__all__" else field, message)
        return data


class DropDatabaseForm(forms.Form):
    confirm = forms.CharField(
        label=_("Type the database's name to drop it with all its data"), max_length=63
    )

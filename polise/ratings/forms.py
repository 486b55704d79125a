from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Dimension
from .services import COMMENT_MAX_CHARS

STAR_CHOICES = [("", _("No answer"))] + [(str(n), str(n)) for n in range(1, 6)]
HELP = {
    "quality": _("Does the app do its job well?"),
    "ease": _("Is the app easy to use?"),
    "docs": _("Does the usage guide help you use the app?"),
}


def _stars(name: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=Dimension(name).label,
        choices=STAR_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text=HELP[name],
        error_messages={"invalid_choice": _("Choose from 1 to 5 stars.")},
    )


class RatingForm(forms.Form):
    """What the user chose; the rules are the service's (rating_submit), so that the API, the
    CLI and this form refuse the same things."""

    quality = _stars("quality")
    ease = _stars("ease")
    docs = _stars("docs")
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At most %(limit)d characters. Everyone who may open the app reads it.")
        % {"limit": COMMENT_MAX_CHARS},
    )

    def dimension_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("quality", "ease", "docs")]

from datetime import timedelta

from django import template
from django.forms import BoundField
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A length of time in the two largest units a person reads: "2 days 3 hours", "5 minutes"."""
    if value is None:
        return ""
    seconds = int(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes = seconds // 60
    parts = [
        ngettext("%(n)d day", "%(n)d days", days) % {"n": days} if days else "",
        ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else "",
        ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        if minutes and not days
        else "",
    ]
    shown = [p for p in parts if p][:2]
    return " ".join(shown) or ngettext("%(n)d minute", "%(n)d minutes", 0) % {"n": 0}


@register.filter
def error_anchor(field: BoundField) -> str:
    """The id an error summary links to: the field's control, or, for a radio or checkbox
    group (which has no single control), its first option."""
    if field.id_for_label:
        return field.id_for_label
    options = field.subwidgets
    return options[0].id_for_label if options else field.auto_id

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .attachments import (
    ACCEPTED_TYPES,
    MAX_BYTES,
    MAX_FILES,
    AttachmentRejected,
    CheckedUpload,
    check_uploads,
)
from .models import Report


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What kind of problem?"), choices=Report.Kind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label=_("Title"), max_length=160, help_text=_("One line, e.g. “Save button does nothing”.")
    )
    what_happened = forms.CharField(
        label=_("What happened?"), widget=forms.Textarea(attrs={"rows": 4})
    )
    expected = forms.CharField(
        label=_("What did you expect?"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    steps = forms.CharField(
        label=_("Steps to make it happen again"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    area = forms.CharField(label=_("Which part of the app?"), max_length=60, required=False)
    attachments = MultipleFileField(
        label=_("Screenshots or documents"),
        required=False,
        # Interpolated when shown, so the text follows each user's language.
        help_text=format_lazy(
            _("PNG, JPEG, GIF, WebP or PDF, up to {megabytes} MB each, at most {count} files."),
            megabytes=MAX_BYTES // (1024 * 1024),
            count=MAX_FILES,
        ),
        widget=MultipleFileInput,
    )
    # Filled by the page's script; the server adds the browser and the time itself.
    screen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)
    timezone = forms.CharField(required=False, widget=forms.HiddenInput, max_length=60)
    confirm_new = forms.BooleanField(
        label=_("My problem is not one of these; send my report."), required=False
    )

    def __init__(self, *args: Any, kept: int = 0, **kwargs: Any) -> None:
        """`kept`: how many files the draft already holds from an earlier round."""
        super().__init__(*args, **kwargs)
        self.kept = kept
        attrs = self.fields["attachments"].widget.attrs
        # For the page's own check before anything is sent (the server checks again).
        attrs.update(
            {
                "data-max-bytes": str(MAX_BYTES),
                "data-max-files": str(MAX_FILES - kept),
                "accept": ",".join(ACCEPTED_TYPES),
            }
        )

    def clean_attachments(self) -> list[CheckedUpload]:
        try:
            return check_uploads(self.cleaned_data.get("attachments") or [], kept=self.kept)
        except AttachmentRejected as exc:
            raise forms.ValidationError(str(exc)) from exc

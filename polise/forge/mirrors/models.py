from django.db import models
from django.utils.translation import gettext_lazy as _


class Mirror(models.Model):
    """What Polise knows about one repository's local mirror; the git data lives on disk."""

    repo = models.CharField(_("repository"), max_length=140, unique=True)
    # Blank: the GitHub URL made from POLISE_GIT_URL_TEMPLATE. A local path or file:// URL
    # mirrors a repository that is not on GitHub (the demo, tests).
    remote_url = models.CharField(_("remote URL"), max_length=500, blank=True)
    fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    fetches = models.PositiveIntegerField(_("fetches"), default=0)

    class Meta:
        ordering = ["repo"]
        verbose_name = _("git mirror")
        verbose_name_plural = _("git mirrors")

    def __str__(self) -> str:
        return self.repo

"""Atom feeds of news, portal-wide and per app, under the same access rule as the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from polise.catalog.http import visible_app_or_404
from polise.catalog.models import App

from . import selectors
from .models import Update

FEED_SIZE = 50


@dataclass(frozen=True)
class Source:
    user: Any
    app: App | None


class PortalNewsFeed(Feed):
    feed_type = Atom1Feed
    description_template = "news/feed_entry.html"

    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Source:
        return Source(request.user, None)

    def title(self, source: Source) -> str:
        return _("Polise: what changed in the apps")

    def subtitle(self, source: Source) -> str:
        return _("Updates of the apps you may use, newest first.")

    def link(self, source: Source) -> str:
        return reverse("news:portal")

    def feed_url(self, source: Source) -> str:
        return reverse("news:portal_feed")

    def items(self, source: Source) -> list[Update]:
        updates = list(selectors.news_updates(user=source.user, app=source.app)[:FEED_SIZE])
        for update in updates:
            update.sections = selectors.sections(update.shown_items)  # type: ignore[attr-defined]
        return updates

    def item_title(self, update: Update) -> str:
        heading = selectors.update_heading(update, update.sections)  # type: ignore[attr-defined]
        return f"{update.app.name}: {heading}"

    def item_link(self, update: Update) -> str:
        return reverse("news:app", args=[update.app.slug]) + f"#update-{update.pk}"

    def item_guid(self, update: Update) -> str:
        return f"urn:polise:news:update:{update.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, update: Update) -> datetime | None:
        return update.published_at

    def item_updateddate(self, update: Update) -> datetime | None:
        return update.published_at

    def item_author_name(self, update: Update) -> str:
        return update.app.name


class AppNewsFeed(PortalNewsFeed):
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Source:
        return Source(request.user, visible_app_or_404(request, kwargs["slug"]))

    def title(self, source: Source) -> str:
        assert source.app is not None
        return _("%(app)s: what changed") % {"app": source.app.name}

    def link(self, source: Source) -> str:
        assert source.app is not None
        return reverse("news:app", args=[source.app.slug])

    def feed_url(self, source: Source) -> str:
        assert source.app is not None
        return reverse("news:app_feed", args=[source.app.slug])

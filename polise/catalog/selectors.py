"""Reads of the catalog. Each list costs a fixed number of queries, whatever its length."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from polise.accounts.models import User

from .models import App, Lifecycle


def app_list_for_launcher(user: User | AnonymousUser | None = None) -> QuerySet[App]:
    """Apps a user can open from the launcher: live ones the access rule lets them see, with
    their owner unit, in one query. Anonymous visitors see the apps open to everyone signed in
    (opening one asks them to sign in); restricted apps stay hidden."""
    return (
        App.objects.visible_to(user)
        .filter(lifecycle__in=[Lifecycle.ACTIVE, Lifecycle.DEPRECATED])
        .select_related("owner_unit")
        .order_by("name")
    )


def app_get(*, slug: str, user: User | AnonymousUser | None) -> App:
    """One app `user` may see, with everything its detail page shows; raises App.DoesNotExist
    when there is no such app or the access rule keeps it from `user`."""
    owners = Prefetch("owners", queryset=User.objects.order_by("first_name", "username"))
    return (
        App.objects.select_related("owner_unit", "access_policy")
        .prefetch_related(owners)
        .visible_app(user, slug=slug)
    )


def app_managed_by(*, app: App, user: User | AnonymousUser) -> bool:
    """App owners and the platform team (staff) look after an app: its reports, deploys, ratings."""
    if not user.is_authenticated:
        return False
    return user.is_staff or any(owner.pk == user.pk for owner in app.owners.all())

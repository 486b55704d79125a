"""Reads of the catalog. Each list costs a fixed number of queries, whatever its length."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from polise.accounts.models import User
from polise.sso.selectors import app_access_q

from .models import App, Lifecycle


def app_list_for_launcher(user: User | AnonymousUser | None = None) -> QuerySet[App]:
    """Apps a user can open from the launcher: live ones their access policy lets them open,
    with their owner unit, in one query. Anonymous visitors see the apps open to everyone
    signed in (opening one asks them to sign in); restricted apps stay hidden."""
    return (
        App.objects.filter(lifecycle__in=[Lifecycle.ACTIVE, Lifecycle.DEPRECATED])
        .filter(app_access_q(user or AnonymousUser()))
        .select_related("owner_unit")
        .order_by("name")
    )


def app_get(*, slug: str) -> App:
    """One app with everything its detail page shows; raises App.DoesNotExist."""
    owners = Prefetch("owners", queryset=User.objects.order_by("first_name", "username"))
    return App.objects.select_related("owner_unit").prefetch_related(owners).get(slug=slug)


def app_managed_by(*, app: App, user: User | AnonymousUser) -> bool:
    """App owners and the platform team (staff) look after an app: its reports, deploys, ratings."""
    if not user.is_authenticated:
        return False
    return user.is_staff or any(owner.pk == user.pk for owner in app.owners.all())

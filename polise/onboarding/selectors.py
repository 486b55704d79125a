"""Onboarding: reads for the platform team's pages and the command line."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from polise.forge.models import Write

from .models import Onboarding, ProvisionedDatabase, Step


def onboarding_list() -> QuerySet[Onboarding]:
    return Onboarding.objects.select_related("app", "created_by").prefetch_related("steps")


def onboarding_get(*, slug: str) -> Onboarding:
    """Raises Onboarding.DoesNotExist. Onboarding is the platform team's (staff): the views
    check that before they call this."""
    return onboarding_list().get(app__slug=slug)


def steps_of(*, onboarding: Onboarding) -> list[Step]:
    return list(Step.objects.filter(onboarding=onboarding).order_by("position"))


@dataclass(frozen=True)
class Collaborator:
    login: str
    permission: str
    pending: bool  # invited, not accepted yet
    error: str


def collaborators_of(*, onboarding: Onboarding) -> list[Collaborator]:
    """Each developer the onboarding invites: pending until they accept on GitHub, or the
    reason their invitation failed."""
    step = Step.objects.filter(onboarding=onboarding, name=Step.Name.COLLABORATORS).first()
    if step is None:
        return []
    accepted = set(step.result.get("accepted", []))
    people = []
    for write in Write.objects.filter(key__in=step.result.get("writes", [])).order_by("pk"):
        login = write.payload["login"]
        invited = bool((write.result or {}).get("invited"))
        people.append(
            Collaborator(
                login=login,
                permission=write.payload["permission"],
                pending=write.status == Write.Status.DONE and invited and login not in accepted,
                error=write.last_error if write.status == Write.Status.FAILED else "",
            )
        )
    return people


def databases_of(*, onboarding: Onboarding) -> QuerySet[ProvisionedDatabase]:
    return ProvisionedDatabase.objects.filter(app=onboarding.app, dropped_at__isnull=True)

"""`polise onboard FILE.yaml`: the same request as the form, the same services."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.conf import settings
from django.urls import reverse

from polise.accounts.models import User

from . import selectors, services
from .models import Step
from .spec import OnboardingInvalid, parse


def _print_steps(steps: list[Step]) -> None:
    for step in steps:
        line = f"  {step.get_status_display():<12} {step.get_name_display()}"
        print(line + (f"\n               {step.detail}" if step.detail else ""), flush=True)


def onboard(data: Any, *, started_by: str | None, wait: bool, poll_seconds: float = 2.0) -> int:
    if not isinstance(data, dict):
        print("the file must hold the form's fields as name: value pairs", file=sys.stderr)
        return 2
    user = None
    if started_by:
        user = User.objects.filter(username=started_by).first()
        if user is None:
            print(f"--by {started_by}: no such user in Polise", file=sys.stderr)
            return 2
    try:
        onboarding, created = services.onboarding_start(request=parse(data), started_by=user)
    except OnboardingInvalid as exc:
        for field, message in exc.errors.items():
            print(f"{field}: {message}", file=sys.stderr)
        return 1
    url = settings.BASE_URL + reverse("onboarding:detail", args=[onboarding.app.slug])
    print(
        f"{onboarding.app.slug}: {'started' if created else 'onboarded already, nothing changed'}"
    )
    print(f"follow it at {url}")
    seen: list[tuple[str, str, str]] = []
    while True:
        steps = selectors.steps_of(onboarding=onboarding)
        now = [(s.name, s.status, s.detail) for s in steps]
        if now != seen:
            _print_steps(steps)
            seen = now
        if any(s.status == Step.Status.FAILED for s in steps):
            return 1 if wait else 0
        if not wait or all(s.finished for s in steps):
            return 0
        time.sleep(poll_seconds)

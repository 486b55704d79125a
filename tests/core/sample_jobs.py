"""Jobs used by the job-runner tests; django-tasks needs them importable by path."""

from django_tasks import task

from polise.core.jobs import PermanentError, retrying_task

calls: dict[str, int] = {}


@retrying_task(max_attempts=4, base_delay=0.01, max_delay=0.02)
def flaky(key: str, failures: int) -> str:
    calls[key] = calls.get(key, 0) + 1
    if calls[key] <= failures:
        raise ConnectionError(f"attempt {calls[key]} failed")
    return f"ok after {calls[key]}"


@retrying_task(max_attempts=4, base_delay=0.01)
def broken(key: str) -> None:
    calls[key] = calls.get(key, 0) + 1
    raise PermanentError("bad input")


@task()
def record(key: str) -> str:
    calls[key] = calls.get(key, 0) + 1
    return key

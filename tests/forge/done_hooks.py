"""A completion hook for outbox tests (on_outcome takes a dotted path under polise. or tests.)."""

finished: list[tuple[str, dict]] = []


def record(write) -> None:
    finished.append((write.key, write.result))

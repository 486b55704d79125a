"""A completion callback for outbox tests, registered by name as an app's would be."""

from polise.forge import outbox

finished: list[tuple[str, dict]] = []


@outbox.on_outcome("tests.record")
def record(write) -> None:
    finished.append((write.key, write.result))

"""A contract-checked fake of the GitHub REST API, with faults and signed webhooks."""

from .fake import AppConfig, GitHubFake, RequestRecord, Violation
from .spec import SpecUnavailable
from .webhooks import Delivery, signature

__all__ = [
    "AppConfig",
    "Delivery",
    "GitHubFake",
    "RequestRecord",
    "SpecUnavailable",
    "Violation",
    "signature",
]

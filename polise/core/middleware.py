from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Indonesian unless the user chose otherwise, whatever the browser's Accept-Language says.

    Many office machines run an English browser for Indonesian-speaking staff, so the choice
    is the user's, not the browser's: `?lang=en` (a plain link) or the switcher, which posts
    to Django's set_language view; both leave the choice in the language cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        asked = request.GET.get("lang")
        chosen = asked if asked in self.languages else None
        remembered = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen or (
            remembered if remembered in self.languages else settings.LANGUAGE_CODE
        )
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        if chosen and chosen != remembered:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                chosen,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                samesite="Lax",
                httponly=True,
            )
        return response


BodyLimit = tuple[int, Callable[..., HttpResponse]]


def limit_request_body(
    max_bytes: int, *, too_large: Callable[..., HttpResponse]
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse a view's requests whose Content-Length says more than `max_bytes`, before any of
    the body is read (RequestBodyLimitMiddleware): `too_large(request, *args, **kwargs)`
    answers instead. A 30 MB upload is then not stored anywhere only to be turned down."""

    def mark(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        view.request_body_limit = (max_bytes, too_large)  # type: ignore[attr-defined]
        return view

    return mark


class RequestBodyLimitMiddleware:
    """Placed before CSRF checking, which is the first to read a form's body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        limit: BodyLimit | None = getattr(view, "request_body_limit", None)
        if limit is None:
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        max_bytes, too_large = limit
        return too_large(request, *args, **kwargs) if length > max_bytes else None

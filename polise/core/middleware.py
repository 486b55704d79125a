from collections.abc import Callable

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

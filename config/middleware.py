"""Korean first: a page is in Korean unless the visitor chose another language on the site."""
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class KoreanFirstLocaleMiddleware(LocaleMiddleware):
    """Activate the language from the site's language cookie, else LANGUAGE_CODE (Korean).

    Django's LocaleMiddleware also follows the browser's Accept-Language header, which would
    show English to a Korean citizen whose browser happens to be set to English. The contest is
    a Korean public service, so only an explicit choice (the header's language switch, which
    sets the cookie) changes the language.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SyncChainMiddleware:
    """Keep the whole middleware chain synchronous under ASGI (listed last, so innermost).

    Under ASGI, Django runs every async-capable middleware in async mode as long as the
    handler inside it is async, and MiddlewareMixin then sends each process_request and
    process_response to the request's thread with sync_to_async: about sixteen hops between
    the event loop and the thread per request, which cost a cached leaderboard read four times
    its own work. Being sync-only and innermost, this one makes Django choose sync mode for
    every middleware around it: the chain and the (sync) views run in the request's thread
    with one hop in and one out. It changes nothing in the request or the response.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

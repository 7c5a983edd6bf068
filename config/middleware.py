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

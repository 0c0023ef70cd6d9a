"""The site's one language and time zone, active while a request is answered."""

from django.conf import settings
from django.utils import timezone, translation


def site_locale_middleware(get_response):
    """Activate ``LANGUAGE_CODE`` and ``TIME_ZONE`` for the request, as ``LocaleMiddleware``
    and the time zone middleware of Django's documentation do, without choosing: the
    site speaks one language, in one time zone, so it sends no ``Vary: Accept-Language``
    and its cached pages are one per address.

    The page is what it would be without this: with none active, Django falls back to
    the same language and zone. But it falls back by asking for the active one first,
    and that miss raises two exceptions inside asgiref's ``Local``, once for every
    translated label, number and date shown: about a hundred on the home page.
    """

    def middleware(request):
        translation.activate(settings.LANGUAGE_CODE)
        timezone.activate(timezone.get_default_timezone())
        try:
            return get_response(request)
        finally:
            timezone.deactivate()
            translation.deactivate()

    return middleware

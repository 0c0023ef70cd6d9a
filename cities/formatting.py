"""Numbers as a reader says them: “480 billion yuan”, “8.5 million”, “7.7 %”, “3rd”."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

SCALES = [
    (Decimal(10) ** 12, "trillion"),
    (Decimal(10) ** 9, "billion"),
    (Decimal(10) ** 6, "million"),
]


def _plain(number):
    """A Decimal without trailing zeros or exponent, with thousands separators."""
    number = number.normalize()
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,f}".rstrip("0").rstrip(".")


def _scaled(value):
    for size, word in SCALES:
        if value >= size:
            return f"{_plain(value / size)} {word}"
    return _plain(value)


def _ordinal(n):
    n = int(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_figure(value, unit, qualifier=""):
    value = Decimal(value)
    match unit:
        case "percent":
            text = f"{_plain(value)} %"
        case "percent_gdp":
            text = _("%(value)s %% of GDP") % {"value": _plain(value)}
        case "cny":
            text = _("%(value)s yuan") % {"value": _scaled(value)}
        case "usd":
            text = f"US${_scaled(value)}"
        case "rank":
            text = _ordinal(value)
        case _:
            text = _scaled(value)
    if qualifier:
        words = {
            "about": pgettext("figure qualifier", "about"),
            "over": pgettext("figure qualifier", "over"),
            "under": pgettext("figure qualifier", "under"),
        }
        text = f"{words.get(qualifier, qualifier)} {text}"
    return text

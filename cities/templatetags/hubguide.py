"""Template tags and filters shared by the public pages: ``{% load hubguide %}``."""

from html import escape
from urllib.parse import urlencode

from django import template
from django.template.defaultfilters import truncatechars
from django.utils.safestring import mark_safe

from cities.models import Zone
from companies.models import Company, Presence
from hubguide.images import RenditionSet, rendition_set
from hubguide.markdown import render_markdown
from hubguide.publishing import page_url, slug_urls

register = template.Library()

# Which top-level section each URL belongs to, and the section's own index page.
SECTIONS = {
    "hubs": ({"cities:city_list", "cities:city_detail", "cities:zone_detail"}, "cities:city_list"),
    "companies": ({"companies:directory", "companies:company_detail"}, "companies:directory"),
    "policies": ({"cities:policy_list", "cities:policy_detail"}, "cities:policy_list"),
}


# ``{% url %}`` for an address without arguments, reversed once per process:
# ``{% page_url "cities:city_list" %}`` (``… as hubs_url`` too).
register.simple_tag(page_url)

DRAFT_BADGE = mark_safe(' <span class="badge badge--draft">Draft</span>')


@register.filter
def draft_badge(row):
    """A "Draft" badge after a row in a list staff are previewing, or nothing:
    ``{{ zone|draft_badge }}``. A filter rather than an include: lists repeat it."""
    return DRAFT_BADGE if getattr(row, "is_published", None) is False else ""


ANNOUNCED_BADGE = mark_safe(' <span class="badge badge--announced">announced</span>')


@register.simple_tag
def presence_groups(groups, parameter, value, place, show_zone=False):
    """A place's most notable presences, a ``<section>`` per kind: its label, the total
    (a ``cities.views.Tally``, which may be "more than" a number), the presences' list
    items and, when the list does not show them all, a link to the rest in the directory
    (filtered by ``parameter=value``, e.g. ``city=beijing``):
    ``{% presence_groups presence_groups "city" city.slug city.name show_zone=True %}``.

    Drawn in Python, as ``companies.widgets`` draws the directory's form controls: a hub
    page lists thirty presences, and in a template each item's two dozen lookups and
    conditions cost more than the rest of the page's template (Beijing's 30 items took
    about 1.8 ms as template code, 0.3 ms here), and the groups around them as much again
    as the items. Every text is escaped with ``html.escape``, which is what
    ``django.utils.html.escape`` runs beneath its lazy-string wrapper; a test checks it.
    Each presence needs ``presence.company`` (select_related) and, when ``show_zone``,
    ``presence.shown_zone`` (cities.views.PresenceSummary.summarise). Counts are grouped
    by thousands with commas, as ``intcomma`` groups them in English; years are written as
    they are.
    """
    directory = escape(page_url("companies:directory"))
    urls = slug_urls(Company.url_name), slug_urls(Zone.url_name)
    place, html = escape(place), []
    for group in groups:
        kind, label, total = group["kind"], str(group["label"]), group["total"]
        anchor = escape(f"presence-kind-{kind}")
        html.append(
            f'\n<section class="presence-group" aria-labelledby="{anchor}">'
            f'\n  <h3 id="{anchor}">{escape(label)} <span class="count">{total.number:,}'
            f"{'+' if total.more else ''}</span></h3>"
            '\n  <ul class="presence-list">'
        )
        html.extend(presence_item(presence, show_zone, *urls) for presence in group["presences"])
        html.append("\n  </ul>")
        if total.more or total.number > len(group["presences"]):
            query = escape(urlencode({parameter: value, "presence": kind}))
            how_many = "the" if total.more else f"{total.number:,}"
            html.append(
                f'\n  <p><a href="{directory}?{query}">All {how_many} '
                f"{escape(label.lower())} presences in {place}</a></p>"
            )
        html.append("\n</section>")
    return mark_safe("".join(html))


def presence_item(presence, show_zone, company_url, zone_url):
    """A presence's ``<li>``; ``company_url`` and ``zone_url`` give a company's and a
    zone's address from its slug (``hubguide.publishing.slug_urls``)."""
    company, planned = presence.company, presence.state == Presence.State.PLANNED
    html = [
        f'\n<li class="presence" id="presence-{escape(presence.slug)}">'
        f'\n  <a class="presence__company" href="{escape(company_url(company.slug))}">'
        f"{escape(company.name)}</a>"
    ]
    if company.name_zh:
        html.append(f' <span class="zh" lang="zh-Hans">{escape(company.name_zh)}</span>')
    html.append(draft_badge(company))
    if planned:
        html.append(ANNOUNCED_BADGE)
    details = []
    zone = presence.shown_zone if show_zone else None
    if zone is not None:
        details.append(
            f'<span>in <a href="{escape(zone_url(zone.slug))}">'
            f"{escape(zone.short_name or zone.name)}</a></span>"
        )
    if presence.opened:
        details.append(f"<span>{'due' if planned else 'since'} {presence.opened:d}</span>")
    if presence.investment is not None:
        details.append(f"<span>{escape(presence.display_investment())} invested</span>")
    if presence.headcount is not None:
        details.append(f"<span>{escape(presence.display_headcount())} staff</span>")
    if details:
        html.append(f'\n  <span class="meta presence__details">{"".join(details)}</span>')
    if presence.summary:
        html.append(f'\n  <span class="presence__summary">{escape(presence.summary)}</span>')
    html.append("\n</li>")
    return "".join(html)


# How much of a summary a page's description (for search engines and link previews) gives.
DESCRIPTION_LENGTH = 200


@register.filter(is_safe=True)
def description(text):
    """``text`` as a page's ``<meta name="description">`` and ``og:description`` give it:
    ``{{ city.summary|description }}``; cut to ``DESCRIPTION_LENGTH`` characters, as
    ``truncatechars`` cuts it, when it is longer. ``truncatechars`` walks every character
    of a text short enough to keep as it is too (25 µs for a hub's summary, twice a page)."""
    text = str(text)
    return text if len(text) <= DESCRIPTION_LENGTH else truncatechars(text, DESCRIPTION_LENGTH)


@register.filter(is_safe=True)
def markdown(text):
    """Render Markdown and sanitise the result: ``{{ city.body|markdown }}``."""
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """This page's absolute address without its query string."""
    request = context.get("request")
    if request is None:
        return ""
    return request.build_absolute_uri(request.path)


@register.simple_tag(takes_context=True)
def absolute_uri(context, location):
    """An absolute address for ``location`` (OpenGraph wants absolute image URLs)."""
    request = context.get("request")
    if request is None or not location:
        return location or ""
    return request.build_absolute_uri(location)


@register.simple_tag(takes_context=True)
def nav_current(context, section):
    """The ``aria-current`` value for a main-nav link: "page", "true" or ""."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or section not in SECTIONS:
        return ""
    view_names, index = SECTIONS[section]
    if match.view_name == index:
        return "page"
    return "true" if match.view_name in view_names else ""


@register.simple_tag
def image_info(field_file):
    """URL, width and height of an uploaded image, or None when there is none to show.

    Width and height let the browser reserve the space before the image arrives; a
    missing or unreadable file yields None, so a page never breaks for a lost upload.
    """
    if not field_file:
        return None
    try:
        width, height = field_file.width, field_file.height
        url = field_file.url
    except (OSError, ValueError):
        return None
    if not width or not height:
        return None
    return {"url": url, "width": width, "height": height}


@register.inclusion_tag("includes/responsive_image.html")
def responsive_image(image, alt, width=None, height=None, **options):
    """A ``<picture>``: WebP renditions with JPEG ones for older browsers, and the width and
    height that reserve the image's space before it arrives.

    ``{% responsive_image city.hero_image city.hero_alt city.hero_width city.hero_height
    sizes="100vw" class="…" loading="eager" %}``; ``image`` may also be a
    ``hubguide.images.RenditionSet`` the view found already, or None. ``loading`` is "lazy"
    (decoded off the main thread) unless told "eager": an image at the top of the page,
    fetched first and painted with the page. Renders nothing when the original is missing
    from storage.
    """
    if image and not isinstance(image, RenditionSet):
        image = rendition_set(image, width, height)
    loading = options.get("loading", "lazy")
    if loading not in {"lazy", "eager"}:
        loading = "lazy"
    return {
        "image": image,
        "alt": alt,
        "sizes": options.get("sizes", "100vw"),
        "css_class": options.get("class", ""),
        "loading": loading,
    }


@register.filter
def http_url(url):
    """``url`` if it is an http(s) address, else "": stored links never become script."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) else ""


@register.filter
def citation(source):
    """A source as a citation: its title, linked when it has a web address, then its
    publisher and year: ``{{ figure.source|citation }}``; nothing for no source.

    A filter drawn in Python rather than an include: a hub page cites a source for each
    key figure, and a page's list of sources one per source, and an include costs the
    template engine a context and a template of its own each time. Texts are escaped
    with ``html.escape``, as ``presence_groups``' are.
    """
    if not source:
        return ""
    title, url = escape(source.title), http_url(source.url)
    if url:
        title = f'<a href="{escape(url)}" rel="external noopener noreferrer">{title}</a>'
    html = [f'<cite class="source">{title}</cite>']
    if source.publisher:
        html.append(f", {escape(source.publisher)}")
    if source.published_on:
        html.append(f" ({source.published_on.year:04d})")
    return mark_safe("".join(html))

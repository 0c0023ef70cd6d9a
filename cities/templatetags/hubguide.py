"""Template tags and filters shared by the public pages: ``{% load hubguide %}``."""

from django import template
from django.utils.safestring import mark_safe

from hubguide.images import RenditionSet, rendition_set
from hubguide.markdown import render_markdown
from hubguide.publishing import page_url

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
    ``hubguide.images.RenditionSet`` the view found already. ``loading`` is "lazy"
    (decoded off the main thread) unless told "eager": an image at the top of the page,
    fetched first and painted with the page. Renders nothing when the original is missing
    from storage.
    """
    if not isinstance(image, RenditionSet):
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

"""Editors write bodies in Markdown; visitors get HTML that can carry no script.

Markdown passes raw HTML through, so everything it produces is cleaned against an
allow-list afterwards: the allow-list, not the Markdown, decides what reaches a page.
"""

from functools import lru_cache

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "a",
    "em",
    "strong",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Dropped together with everything inside them, not just unwrapped.
CLEAN_CONTENT_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags=CLEAN_CONTENT_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def render_markdown(text) -> SafeString:
    """Markdown (with tables and sane lists) to HTML that is safe to put on a page."""
    if not text:
        return mark_safe("")
    return mark_safe(_render(str(text)))  # noqa: S308 - cleaned against the allow-list


@lru_cache(maxsize=512)
def _render(text):
    """The HTML of ``text``: the same text always gives the same HTML, so each process
    converts a body once, not on every view of its page."""
    html = markdown_lib.markdown(text, extensions=["tables", "sane_lists"])
    return _cleaner.clean(html)

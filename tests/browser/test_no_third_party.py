"""Pages load everything from their own host: no CDN, web font, tracker or other host.

Readers in China find many foreign hosts blocked or slow, so one stray request can stall
a page. Each type of page (conftest's PAGE_TYPES) is loaded in Chromium and every request
it makes is recorded; requests to another host are refused before they leave the machine.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FONT_FILE_ENDINGS = (".woff", ".woff2", ".ttf", ".otf", ".eot")

# <link rel=…> values that make the browser fetch or connect to the linked address.
FETCHING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "prerender",
    "icon",
    "apple-touch-icon",
    "manifest",
}


class SubresourceParser(HTMLParser):
    """The addresses an HTML document makes a browser fetch: scripts, styles, images, frames."""

    def __init__(self):
        super().__init__()
        self.addresses = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.addresses.append(("script", attrs["src"]))
        elif tag == "link" and attrs.get("href"):
            rels = set((attrs.get("rel") or "").lower().split())
            if rels & FETCHING_RELS:
                self.addresses.append((f"link rel={attrs['rel']}", attrs["href"]))
        elif tag in {"img", "source", "iframe", "video", "audio", "embed", "track", "input"}:
            for name in ("src", "poster"):
                if attrs.get(name):
                    self.addresses.append((tag, attrs[name]))
            for candidate in (attrs.get("srcset") or "").split(","):
                if candidate.strip():
                    self.addresses.append((tag, candidate.split()[0]))
        elif tag == "object" and attrs.get("data"):
            self.addresses.append((tag, attrs["data"]))


def foreign_subresources(html, page_url):
    parser = SubresourceParser()
    parser.feed(html)
    origin = urlsplit(page_url)[:2]
    return [
        f"<{tag}> {address}"
        for tag, address in parser.addresses
        if not address.startswith("data:") and urlsplit(urljoin(page_url, address))[:2] != origin
    ]


def test_page_loads_everything_from_its_own_host(live_site, page, traffic, page_type):
    response = page.goto(page_type.path)
    assert response.status == page_type.status

    assert traffic.foreign() == [], "requests to another host"
    assert foreign_subresources(response.text(), page.url) == [], "markup naming another host"
    fonts = [url for url, _ in traffic.requests if urlsplit(url).path.endswith(FONT_FILE_ENDINGS)]
    assert traffic.of_type("font") == fonts == [], "web font requests"
    assert page.evaluate("document.fonts.size") == 0, "@font-face rules in the stylesheets"
    assert traffic.errors == [], "requests to the site itself that failed"
    assert [text for text in traffic.console_errors if "Content Security Policy" in text] == []

"""Rich text that cannot break the page: whatever an editor puts in a Markdown body, no
script, style, frame, event handler or ``javascript:`` link reaches the public page or the
admin's preview, while the Markdown an editor needs renders."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from cities.models import City, Policy, Zone
from companies.models import Company
from hubguide.admin import PublishableAdmin
from tests.admin import EDITOR, make_staff
from tests.factories import make_city, make_company, make_policy, make_zone

pytestmark = pytest.mark.django_db

BUILDERS = {City: make_city, Zone: make_zone, Policy: make_policy, Company: make_company}
MODELS = list(BUILDERS)
PREVIEW_URL = "/admin/preview/markdown/"

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "onerror": "<img src=x onerror=alert(1)>",
    "javascript-href": '<a href="javascript:alert(1)">x</a>',
    "javascript-markdown-link": "[x](javascript:alert(1))",
    "iframe": "<iframe src=//evil>",
    "style": "<style>body{}</style>",
    "style-and-onclick": '<p style="x" onclick="y">',
}

MARKDOWN = """\
## Heading two

### Heading three

- one
- two

1. first
2. second

A [link](https://example.com/) with *emphasis* and **strong** words.

> A quote.

| City | Hub |
| --- | --- |
| Chengdu | West |
"""

RENDERED = [
    "<h2>Heading two</h2>",
    "<h3>Heading three</h3>",
    "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
    "<ol>\n<li>first</li>\n<li>second</li>\n</ol>",
    '<a href="https://example.com/" rel="noopener noreferrer">link</a>',
    "<em>emphasis</em>",
    "<strong>strong</strong>",
    "<blockquote>\n<p>A quote.</p>\n</blockquote>",
    "<th>City</th>",
    "<td>Chengdu</td>",
]


class Harm(HTMLParser):
    """Collects whatever in a piece of HTML could run code or restyle the page."""

    DANGEROUS_TAGS = {"script", "style", "iframe", "frame", "object", "embed", "img", "svg"}
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}

    def __init__(self, *, allow_script_files=False):
        super().__init__()
        self.allow_script_files = allow_script_files
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.DANGEROUS_TAGS and not (
            self.allow_script_files and tag in {"script", "img"} and attributes.get("src")
        ):
            self.found.append(f"<{tag}>")
        if tag == "img" and attributes.get("src") == "x":
            self.found.append("<img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name in self.URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"{name}=javascript: on <{tag}>")


def harm_in(html, **kwargs):
    parser = Harm(**kwargs)
    parser.feed(html)
    parser.close()
    return parser.found


def assert_harmless(html, **kwargs):
    assert harm_in(html, **kwargs) == []
    assert "alert(1)" not in html
    assert "//evil" not in html
    assert "body{}" not in html


def test_the_checker_sees_each_payload_unsanitised():
    """The test's own parser would catch every payload if the sanitiser let it through."""
    for payload in PAYLOADS.values():
        if payload.startswith("["):
            payload = '<a href="javascript:alert(1)">x</a>'
        assert harm_in(payload), payload


@pytest.fixture
def editor_client():
    client = Client()
    client.force_login(make_staff("editor", EDITOR))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_payload_in_a_body_never_reaches_the_public_page(model, payload, client):
    obj = BUILDERS[model](body=f"Before.\n\n{payload}\n\nAfter.")

    page = client.get(obj.get_absolute_url())

    assert page.status_code == 200
    assert "<p>Before.</p>" in page.text
    assert_harmless(page.text, allow_script_files=True)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_payload_together_never_reaches_the_admin_preview(model, editor_client):
    obj = BUILDERS[model](body="\n\n".join(PAYLOADS.values()))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])

    page = editor_client.get(url)

    preview = PublishableAdmin.body_preview(page.context["adminform"].model_admin, obj)
    assert 'class="markdown-preview prose"' in preview
    assert preview in page.text
    assert_harmless(preview)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_payload_never_comes_back_from_the_live_preview(payload, editor_client):
    response = editor_client.post(PREVIEW_URL, {"text": f"Before.\n\n{payload}\n\nAfter."})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<p>Before.</p>" in response.text
    assert_harmless(response.text)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_headings_lists_links_emphasis_quotes_and_tables_render_on_the_page(model, client):
    obj = BUILDERS[model](body=MARKDOWN)

    page = client.get(obj.get_absolute_url())

    for html in RENDERED:
        assert html in page.text


def test_headings_lists_links_emphasis_quotes_and_tables_render_in_the_preview(editor_client):
    response = editor_client.post(PREVIEW_URL, {"text": MARKDOWN})

    for html in RENDERED:
        assert html in response.text


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_change_page_previews_the_saved_body(model, editor_client):
    obj = BUILDERS[model](body="Saved **body**.")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])

    page = editor_client.get(url)

    fieldsets = [name for name, _ in page.context["adminform"].fieldsets]
    assert fieldsets.index("Body preview") == fieldsets.index("Content") + 1
    assert "<p>Saved <strong>body</strong>.</p>" in page.text
    assert f'data-url="{PREVIEW_URL}"' in page.text
    assert "admin-extra/markdown-preview.js" in page.text


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_add_page_has_an_empty_preview(model, editor_client):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")

    page = editor_client.get(url)

    assert page.status_code == 200
    assert "Nothing to preview yet." in page.text


def test_the_live_preview_is_refused_to_visitors(client):
    response = client.post(PREVIEW_URL, {"text": "*hi*"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_live_preview_is_refused_to_users_who_are_not_staff(client):
    client.force_login(User.objects.create_user("reader", password="not-used"))
    response = client.post(PREVIEW_URL, {"text": "*hi*"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_live_preview_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("editor", EDITOR))
    assert client.post(PREVIEW_URL, {"text": "*hi*"}).status_code == 403


def test_the_live_preview_answers_posts_only(editor_client):
    assert editor_client.get(PREVIEW_URL, {"text": "*hi*"}).status_code == 405


def test_the_live_preview_refuses_a_huge_text(editor_client):
    response = editor_client.post(PREVIEW_URL, {"text": "x" * 200_001})
    assert response.status_code == 413

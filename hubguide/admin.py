"""What every admin page of the guide shares: history with readable changes and revert,
publishing actions, a preview of Markdown bodies, slugs that fill themselves in, and the
site's name."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import flatten, model_ngettext
from django.db import models
from django.http import HttpResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin
from simple_history.manager import SIMPLE_HISTORY_REVERSE_ATTR_NAME
from simple_history.template_utils import HistoricalRecordContextHelper
from simple_history.utils import get_m2m_reverse_field_name

from hubguide.images import ImageUploadField
from hubguide.markdown import render_markdown
from hubguide.publishing import Status

admin.site.site_header = _("hubguide editors")
admin.site.site_title = _("hubguide admin")
admin.site.index_title = _("What the guide says")

SLUG_MAX_LENGTH = 100
# Longer bodies are not previewed: a preview is for reading, not for stress-testing Markdown.
MAX_PREVIEW_CHARS = 200_000


class ReadableChanges(HistoricalRecordContextHelper):
    """The changes of a history entry as an editor reads them: choices by their labels,
    yes/no for tick boxes, a dash for nothing, related rows by name."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if field.many_to_many:
            names = super().prepare_delta_change_value(change, value)
            return ", ".join(str(name) for name in names) or "–"
        if value is None or value == "":
            return "–"
        if isinstance(field, models.BooleanField):
            return _("yes") if value else _("no")
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, datetime.datetime):
            return formats.localize(timezone.localtime(value))
        return value


def historical_m2m_initial(record):
    """``{field name: [pk, …]}``: the many-to-many rows ``record`` saved with its version."""
    return {
        field.name: list(
            getattr(record, field.name).values_list(get_m2m_reverse_field_name(field), flat=True)
        )
        for field in getattr(record, "_history_m2m_fields", ())
    }


class TextareaField(forms.CharField):
    """Text from a textarea as it was typed, with the browser's CRLF line ends made LF.

    Browsers send every line end of a textarea as CRLF, and a CharField strips the text's
    ends: either would make a page saved untouched look like a change to its body in the
    history, and the stored text differ from the fixtures'. Leading spaces can matter in
    Markdown too. Whitespace alone still counts as empty.
    """

    def __init__(self, *args, **kwargs):
        kwargs["strip"] = False
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if isinstance(value, str):
            value = value.replace("\r\n", "\n").replace("\r", "\n")
            if not value.strip():
                return self.empty_value
        return value


class TextareaLineEndsMixin:
    """Model admins and inlines whose text fields keep LF line ends (see TextareaField)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.TextField) and not db_field.choices:
            kwargs.setdefault("form_class", TextareaField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class GuideAdmin(TextareaLineEndsMixin, SimpleHistoryAdmin):
    """History with readable changes and revert, and the list settings every model of the
    guide shares."""

    list_per_page = 50
    list_max_show_all = 500
    empty_value_display = "–"
    # Our messages for refused images (SVG, bombs, too large) instead of Django's generic one.
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    # Our history list: the date opens the version, whose page has the Revert button, and
    # no inline style for the Content-Security-Policy to refuse. The version's page says
    # what a revert restores.
    object_history_list_template = "admin/simple_history/object_history_list.html"
    object_history_form_template = "admin/simple_history/object_history_form.html"

    def render_history_view(self, request, template, context, **kwargs):
        # The revert page says which version it shows; templates cannot read “_history”.
        version = getattr(context.get("original"), SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        return super().render_history_view(
            request, template, {**context, "version": version}, **kwargs
        )

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableChanges(self.model, historical_record)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        record = getattr(obj, SIMPLE_HISTORY_REVERSE_ATTR_NAME, None)
        if record is None:
            return form
        # simple_history's revert page fills many-to-many fields from the object as it is
        # now, so “Revert” would keep today's cities or sources: start from the version's.
        initial_m2m = {
            name: pks
            for name, pks in historical_m2m_initial(record).items()
            if name in form.base_fields
        }
        if not initial_m2m:
            return form

        def __init__(self, *args, **kwargs):
            kwargs["initial"] = {**initial_m2m, **(kwargs.get("initial") or {})}
            form.__init__(self, *args, **kwargs)

        return type(form.__name__, (form,), {"__init__": __init__})

    def get_history_queryset(self, request, history_manager, pk_name, object_id):
        # simple_history 3.13 calls select_related() with no fields for a model without
        # foreign keys, which Django 6.1 deprecates (RemovedInDjango2028Warning).
        foreign_keys = [
            field.name
            for field in history_manager.model.tracked_fields
            if isinstance(field, models.ForeignKey)
        ]
        return history_manager.filter(**{pk_name: object_id}).select_related(
            "history_user", *foreign_keys
        )


class PublishableAdmin(GuideAdmin):
    """For City, Zone, Policy and Company: publishing actions, a Publication fieldset and a
    preview of the Markdown body."""

    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "updated_at"
    save_on_top = True
    actions = ("publish", "unpublish")

    publication_fieldset = (
        _("Publication"),
        {
            "fields": ("status", "publish_at", ("created_at", "updated_at")),
            "description": _(
                "Drafts are visible to staff only. A published item with a “publish at” "
                "time in the future stays hidden until then."
            ),
        },
    )

    preview_fieldset_title = _("Body preview")
    preview_description = _(
        "The body as visitors will read it, after the Markdown is turned into HTML and "
        "cleaned of anything unsafe. It shows the saved text, and follows your typing when "
        "JavaScript is on."
    )

    class Media:
        js = ("admin-extra/markdown-preview.js",)

    @admin.display(description=_("live"), boolean=True, ordering="status")
    def is_live(self, obj):
        return obj.is_published

    @property
    def has_markdown_body(self):
        return any(field.name == "body" for field in self.model._meta.get_fields())

    @admin.display(description=_("Body preview"))
    def body_preview(self, obj):
        html = render_markdown(obj.body if obj is not None else "")
        return format_html(
            '<div class="markdown-preview prose" data-markdown-preview data-source="body" '
            'data-url="{}" data-empty="{}">{}</div>',
            reverse("admin_markdown_preview"),
            _("Nothing to preview yet."),
            html or _("Nothing to preview yet."),
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if self.has_markdown_body and "body_preview" not in readonly:
            readonly += ("body_preview",)
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if not self.has_markdown_body:
            return fieldsets
        preview = (
            self.preview_fieldset_title,
            {
                "fields": ("body_preview",),
                "classes": ("body-preview",),
                "description": self.preview_description,
            },
        )
        # Right after the fieldset holding the body, so the preview sits under it.
        position = len(fieldsets)
        for index, (_name, options) in enumerate(fieldsets):
            if "body" in flatten(options.get("fields", ())):
                position = index + 1
                break
        fieldsets.insert(position, preview)
        return fieldsets

    def _set_status(self, request, queryset, status, reason):
        changed = 0
        for obj in queryset.exclude(status=status):
            obj.status = status
            obj._history_user = request.user
            obj._change_reason = reason
            obj.save(update_fields=["status", "updated_at"])
            changed += 1
        return changed

    @admin.action(
        permissions=["change"],
        description=_("Publish this %(verbose_name)s"),
        description_plural=_("Publish selected %(verbose_name_plural)s"),
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def publish(self, request, queryset):
        changed = self._set_status(request, queryset, Status.PUBLISHED, "Published")
        if changed:
            self.message_user(
                request,
                _("%(count)d %(items)s published.")
                % {"count": changed, "items": model_ngettext(self.opts, changed)},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("Nothing to publish: all of them were published already."), messages.INFO
            )

    @admin.action(
        permissions=["change"],
        description=_("Unpublish this %(verbose_name)s (back to draft)"),
        description_plural=_("Unpublish selected %(verbose_name_plural)s (back to draft)"),
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def unpublish(self, request, queryset):
        changed = self._set_status(request, queryset, Status.DRAFT, "Unpublished")
        if changed:
            self.message_user(
                request,
                _("%(count)d %(items)s unpublished: back to draft.")
                % {"count": changed, "items": model_ngettext(self.opts, changed)},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request, _("Nothing to unpublish: all of them were drafts already."), messages.INFO
            )


def unique_slug(model, text, exclude_pk=None):
    """``text`` as a slug not used yet by ``model``: “beijing-population-2016”, then “…-2”."""
    base = slugify(text)[: SLUG_MAX_LENGTH - 4].strip("-") or model._meta.model_name
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


class AutoSlugForm(forms.ModelForm):
    """A form whose slug may be left blank: it is then made from other fields.

    For rows that have no name of their own (a figure, a presence), where a slug typed from
    one field alone would clash from one city or company to the next.
    """

    slug_help_text = _("Leave blank to make one.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = self.slug_help_text

    def slug_text(self, cleaned_data):
        """The words the slug is made from, or None while a part is missing."""
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        # An inline may leave the slug out of its columns: then it is set on the instance.
        has_slug = cleaned_data.get("slug") if "slug" in self.fields else self.instance.slug
        text = None if has_slug else self.slug_text(cleaned_data)
        if text:
            slug = unique_slug(self._meta.model, text, exclude_pk=self.instance.pk)
            if "slug" in self.fields:
                cleaned_data["slug"] = slug
            else:
                self.instance.slug = slug
        return cleaned_data


class CompactTabularInline(TextareaLineEndsMixin, admin.TabularInline):
    """A tabular inline that fits the page: narrower autocomplete boxes, a link to the rest."""

    autocomplete_widths = {}
    extra = 0
    show_change_link = True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DecimalField):
            formfield.widget.attrs.setdefault("class", "vBigIntegerField")  # 10em wide
        return formfield

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        formfield = super().formfield_for_choice_field(db_field, request, **kwargs)
        choices = list(formfield.choices)
        if choices and choices[0][0] == "" and str(choices[0][1]).startswith("-"):
            # "–" rather than "- Select an option -": a column only as wide as its choices
            formfield.choices = [("", "–"), *choices[1:]]
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        width = self.autocomplete_widths.get(db_field.name)
        if formfield is not None and width:
            # Select2 reads its options from data- attributes; a style attribute would
            # be refused by the Content-Security-Policy.
            widget = getattr(formfield.widget, "widget", formfield.widget)
            widget.attrs["data-width"] = width
        return formfield


@require_POST
def markdown_preview(request):
    """The Markdown in ``text`` as the sanitised HTML a visitor would get.

    For the live preview on the change pages; hubguide/urls.py wraps it in
    ``admin.site.admin_view``, which lets in active staff only and checks the CSRF token.
    """
    text = request.POST.get("text", "")
    if len(text) > MAX_PREVIEW_CHARS:
        return HttpResponse(
            _("Too long to preview: save the text to see it on the site."),
            status=413,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(render_markdown(text), content_type="text/html; charset=utf-8")

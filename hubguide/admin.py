"""What every admin page of the guide shares: history with revert, publishing actions,
slugs that fill themselves in, and the site's name."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import model_ngettext
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from hubguide.publishing import Status

admin.site.site_header = _("hubguide editors")
admin.site.site_title = _("hubguide admin")
admin.site.index_title = _("What the guide says")

SLUG_MAX_LENGTH = 100


class GuideAdmin(SimpleHistoryAdmin):
    """History with revert, and the list settings every model of the guide shares."""

    list_per_page = 50
    list_max_show_all = 500
    empty_value_display = "–"

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
    """For City, Zone, Policy and Company: publishing actions and a Publication fieldset."""

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

    @admin.display(description=_("live"), boolean=True, ordering="status")
    def is_live(self, obj):
        return obj.is_published

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


class CompactTabularInline(admin.TabularInline):
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

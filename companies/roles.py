"""The editors' groups, made by migrations 0002_editor_roles and 0001_squashed_0010.

Editor: view, add and change everything the guide says; delete only the rows that hang
off other content (figures, presences, sources, sectors) — not cities, zones, policies or
companies. Chief editor: everything an Editor may do, and delete anything. Neither group
may touch users or groups.
"""

from django.contrib.auth.management import create_permissions

CONTENT_MODELS = {
    "cities": ["city", "zone", "policy", "figure", "source"],
    "companies": ["sector", "company", "presence"],
}
EDITOR_MAY_DELETE = {"figure", "presence", "source", "sector"}

EDITOR = "Editor"
CHIEF_EDITOR = "Chief editor"


def create_groups(apps, schema_editor):
    # On a fresh database the permissions only appear after migrate (post_migrate): make
    # them now. The migration state's app configs are stubs without models_module, which
    # create_permissions() takes as "no models"; it needs a truthy value for a moment.
    for label in CONTENT_MODELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias

    def perms(actions, app_label, model):
        codenames = [f"{action}_{model}" for action in actions]
        found = list(
            Permission.objects.using(db).filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
        if len(found) != len(codenames):
            raise RuntimeError(f"Missing permissions for {app_label}.{model}: {codenames}")
        return found

    editor_perms, chief_perms = [], []
    for app_label, models in CONTENT_MODELS.items():
        for model in models:
            editor_actions = ["view", "add", "change"]
            if model in EDITOR_MAY_DELETE:
                editor_actions.append("delete")
            editor_perms += perms(editor_actions, app_label, model)
            chief_perms += perms(["view", "add", "change", "delete"], app_label, model)

    editor, _ = Group.objects.using(db).get_or_create(name=EDITOR)
    editor.permissions.set(editor_perms)
    chief, _ = Group.objects.using(db).get_or_create(name=CHIEF_EDITOR)
    chief.permissions.set(chief_perms)


def remove_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(
        name__in=[EDITOR, CHIEF_EDITOR]
    ).delete()

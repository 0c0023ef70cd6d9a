from pathlib import Path

from django.core.checks import Tags
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from hubguide.fixtures import FixtureError, rebuild_content


class Command(BaseCommand):
    help = (
        "Migrate, then replace all content with the fixtures and their media, in one "
        "transaction. A bad record changes nothing and the error says which it is."
    )

    # The checks of what it reads and writes, the models and the database; those of the
    # URLs, admin and templates concern serving the site (`manage.py check`, CI), and
    # would cost this command a tenth of a second importing what it never uses.
    requires_system_checks = [Tags.models, Tags.database]

    def add_arguments(self, parser):
        parser.add_argument("--no-migrate", action="store_true", help="Do not run migrate first.")
        parser.add_argument(
            "--check",
            action="store_true",
            help=(
                "Load and validate everything, then roll back: nothing is written, no media "
                "copied, no migrations run. Needs a migrated database."
            ),
        )
        parser.add_argument(
            "--fixtures-dir",
            type=Path,
            default=None,
            help="Directory of *.json fixtures and media/ (default: settings.FIXTURES_DIR).",
        )

    def handle(self, *args, no_migrate, check, fixtures_dir, **options):
        verbosity = options["verbosity"]

        def migrate():
            call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout)

        try:
            result = rebuild_content(
                fixtures_dir, check=check, migrate=None if no_migrate or check else migrate
            )
        except FixtureError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity < 1:
            return
        files = len(result.files)
        if result.committed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {result.total} records from {files} fixture files and copied "
                    f"{len(result.media)} media files in {result.seconds:.2f} s:"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"fixtures are valid: {result.total} records in {files} files "
                    f"({result.seconds:.2f} s); rolled back, nothing was written:"
                )
            )
        for name, count in result.count_lines():
            self.stdout.write(f"  {count:5d} {name}")
        if verbosity >= 2:
            for path in result.files:
                self.stdout.write(f"  file  {path}")
            for name in result.media:
                self.stdout.write(f"  media {name}")

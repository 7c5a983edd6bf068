#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys
from importlib import import_module

# Commands that read files and need the settings but no app: they run without django.setup(),
# which would import every app's models and admin for nothing (docs/performance.md). Their
# modules import no model (.importlinter); Django's own runner still finds them (call_command).
WITHOUT_APPS = {"ratings": "voting.management.commands.ratings"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in WITHOUT_APPS:
        import_module(WITHOUT_APPS[sys.argv[1]]).Command().run_from_argv(sys.argv)
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

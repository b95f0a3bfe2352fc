#!/usr/bin/env python
"""The example release's manage.py, shaped like Open edX's: `python manage.py lms migrate`
or `python manage.py cms migrate` pick the service's settings (release.settings_lms or
release.settings_cms); both use the same database."""
import os
import sys

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("lms", "cms"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "release.settings_" + sys.argv.pop(1))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "release.settings_lms")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)

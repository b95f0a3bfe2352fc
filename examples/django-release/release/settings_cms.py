"""cms: the authoring service; shares `courses` (and the database) with lms."""
from .settings_common import *  # noqa: F401,F403

INSTALLED_APPS = ["courses", "studio"]

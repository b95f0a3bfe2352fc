"""lms: the learner-facing service."""
from .settings_common import *  # noqa: F401,F403

INSTALLED_APPS = ["courses"]

"""Settings both services share: one MariaDB database, read from the environment
(RELEASE_DB_HOST, RELEASE_DB_PORT, RELEASE_DB_NAME, RELEASE_DB_USER, RELEASE_DB_PASSWORD)."""
import os

import pymysql

pymysql.install_as_MySQLdb()

SECRET_KEY = "example-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "HOST": os.environ.get("RELEASE_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("RELEASE_DB_PORT", "3306"),
        "NAME": os.environ.get("RELEASE_DB_NAME", "edxapp"),
        "USER": os.environ.get("RELEASE_DB_USER", "root"),
        "PASSWORD": os.environ.get("RELEASE_DB_PASSWORD", ""),
        "OPTIONS": {"connect_timeout": 5},
    }
}

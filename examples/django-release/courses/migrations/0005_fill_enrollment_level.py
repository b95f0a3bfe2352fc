# A RunPython data migration: sqlmigrate cannot write it as SQL, so ddl-eta lists it as
# an untimed step.
from django.db import migrations


def fill_level(apps, schema_editor):
    Enrollment = apps.get_model("courses", "Enrollment")
    Enrollment.objects.filter(level__isnull=True, grade__gte=0.5).update(level="passing")


class Migration(migrations.Migration):
    dependencies = [("courses", "0004_alter_enrollment_mode")]

    operations = [
        migrations.RunPython(fill_level, migrations.RunPython.noop),
    ]

# An AddIndex on the large table: an online index build that reads every row.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_enrollment_level")]

    operations = [
        migrations.AddIndex(
            model_name="enrollment",
            index=models.Index(fields=["course", "mode"], name="courses_enr_course_mode_idx"),
        ),
    ]

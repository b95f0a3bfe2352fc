# An AlterField that narrows a type (varchar(100) -> varchar(32)): a table copy that
# blocks writes, and fails or truncates where a longer value exists.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("courses", "0003_enrollment_course_mode_index")]

    operations = [
        migrations.AlterField(
            model_name="enrollment",
            name="mode",
            field=models.CharField(max_length=32),
        ),
    ]

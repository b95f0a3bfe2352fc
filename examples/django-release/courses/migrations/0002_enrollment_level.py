# A nullable AddField: instant on MariaDB 10.3+ and MySQL 8.0.12+.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="level",
            field=models.CharField(max_length=32, null=True),
        ),
    ]

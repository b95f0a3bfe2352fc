# cms only: lms does not install `studio`, so only `manage.py cms` renders it.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("studio", "0001_initial")]

    operations = [
        migrations.AddField(model_name="draft", name="published", field=models.DateTimeField(null=True)),
    ]

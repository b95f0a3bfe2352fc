from django.db import models


class Draft(models.Model):
    course_key = models.CharField(max_length=255)
    body = models.TextField()
    published = models.DateTimeField(null=True)

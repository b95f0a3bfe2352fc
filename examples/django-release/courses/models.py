from django.db import models


class Course(models.Model):
    key = models.CharField(max_length=255, unique=True)
    title = models.CharField(max_length=255)


class Enrollment(models.Model):
    """One row per learner per course: the large table of this example."""

    user_id = models.IntegerField()
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    mode = models.CharField(max_length=32)
    grade = models.FloatField(null=True)
    created = models.DateTimeField()
    level = models.CharField(max_length=32, null=True)

    class Meta:
        indexes = [models.Index(fields=["course", "mode"], name="courses_enr_course_mode_idx")]

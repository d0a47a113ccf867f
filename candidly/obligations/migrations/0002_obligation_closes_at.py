from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def close_preps_at_interview_start(apps, schema_editor):
    Obligation = apps.get_model("obligations", "Obligation")
    Interview = apps.get_model("pipeline", "Interview")
    Obligation.objects.filter(interview__isnull=False).update(
        closes_at=Subquery(Interview.objects.filter(pk=OuterRef("interview_id")).values("starts_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("obligations", "0001_initial"),
        ("pipeline", "0002_interview_cancelled_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="obligation",
            name="closes_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(close_preps_at_interview_start, migrations.RunPython.noop),
    ]

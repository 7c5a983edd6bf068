# The votes' chain moves to format 3: the entrant that gave each answer is covered too.

from django.db import migrations

from voting import audit

VOTES_CHANGE = (
    "A vote's content now also covers, for each turn, the entrant that gave each answer "
    "(Response.entrant, as answered_by; format 3). The votes before this entry keep their "
    "hashes; facts_sha256 anchors their format 3 content as it stood now, one SHA-256 per "
    "block of positions."
)


def votes_reanchor(apps, schema_editor):
    """Log the votes' change of format in their chain, with the facts of the earlier votes."""
    audit.votes_format_log(apps, format_=3, previous_format=2, change=VOTES_CHANGE)


def votes_restore(apps, schema_editor):
    audit.votes_format_unlog(apps, format_=3)


class Migration(migrations.Migration):

    dependencies = [
        ('arena', '0001_initial'),
        ('voting', '0011_vote_reasons'),
    ]

    operations = [
        migrations.RunPython(votes_reanchor, votes_restore),
    ]

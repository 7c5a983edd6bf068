from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("투표와 순위")

    def ready(self):
        from contest.signals import phase_changed
        from voting import checks  # noqa: F401 (registers the deploy checks)

        phase_changed.connect(phase_changed_receive, dispatch_uid="voting.lifecycle")


def phase_changed_receive(sender, **kwargs) -> None:
    """Hand a phase change to voting.lifecycle, imported at the first one, not at start: the
    boards and their statistics (scipy.stats, scikit-learn) are heavy to import, and a command
    that reads a file (manage.py ratings) needs none of them. The web and the workers import
    them anyway, through their URLs and tasks."""
    from voting import lifecycle

    lifecycle.phase_changed_receive(sender, **kwargs)

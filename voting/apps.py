from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("투표와 순위")

    def ready(self):
        from contest.signals import phase_changed
        from voting import checks  # noqa: F401 (registers the deploy checks)
        from voting.lifecycle import phase_changed_receive

        phase_changed.connect(phase_changed_receive, dispatch_uid="voting.lifecycle")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotingConfig(AppConfig):
    name = "voting"
    verbose_name = _("투표와 순위")

    def ready(self):
        from voting import checks  # noqa: F401 (registers the deploy checks)

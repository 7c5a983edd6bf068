from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpertConfig(AppConfig):
    name = "expert"
    verbose_name = _("전문가 평가")

    def ready(self):
        # voting sits below this package: it reads the judgments through what is lent here.
        from expert import selectors
        from voting import expert_source

        expert_source.register(expert_source.ExpertSource(
            row_prefix=selectors.EXPERT_ROW_PREFIX,
            vote_rows=selectors.expert_vote_rows,
            answer_texts=selectors.expert_answer_texts,
            judgment_rows=selectors.judgment_rows,
            audit_answers=selectors.audit_answers,
        ))

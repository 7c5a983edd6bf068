"""The expert track's Celery task: pre-generating an answer."""
from celery import shared_task


# The name it had in voting, so a task queued before the move still finds its worker.
@shared_task(name="voting.tasks.answer_generate", acks_late=True, ignore_result=True)
def answer_generate(answer_id: int) -> None:
    """Pre-generate one entrant's answer to one expert prompt."""
    from expert.pregeneration import answer_run

    answer_run(answer_id=answer_id)

"""The expert models' move out of contest and voting keeps an existing database's rows."""
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from expert.models import ExpertProfile, Prompt, PromptSet
from tests.factories import UserFactory

BEFORE = [("contest", "0007_entrant_probe"), ("voting", "0008_chain_facts"), ("expert", None)]


@pytest.mark.django_db(transaction=True)
def test_prompt_sets_and_experts_made_before_the_move_are_read_by_the_expert_app():
    # Given a database as it stood before the move, with a prompt set, a prompt and an expert
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE[:2]).apps
    # (the contest as its model stood then: later migrations add its columns)
    contest = old.get_model("contest", "Contest").objects.create(slug="before", title="이전 대회")
    user = UserFactory()
    prompt_set = old.get_model("contest", "PromptSet").objects.create(
        contest_id=contest.pk, title="이전 세트", criteria=[{"key": "accuracy", "label": "정확성"}])
    old.get_model("contest", "Prompt").objects.create(prompt_set=prompt_set, domain="law", text="질문")
    old.get_model("contest", "ExpertProfile").objects.create(user_id=user.pk, pseudonym="E-before")
    ContentType.objects.filter(app_label="expert").delete()  # made by the test database's set-up
    ContentType.objects.get_or_create(app_label="contest", model="promptset")

    # When the migrations run forward
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    # Then the same rows are the expert app's, and its content type followed them
    ContentType.objects.clear_cache()
    assert PromptSet.objects.get(pk=prompt_set.pk).title == "이전 세트"
    assert Prompt.objects.get(prompt_set_id=prompt_set.pk).text == "질문"
    assert ExpertProfile.objects.get(user=user).pseudonym == "E-before"
    assert ContentType.objects.filter(app_label="expert", model="promptset").exists()
    assert not ContentType.objects.filter(app_label="contest", model="promptset").exists()

"""Factories for test data (factory_boy)."""
import random

import factory
from django.db import transaction

from arena.models import Battle, Response, Turn
from contest.models import Category, Contest, Entrant, Team
from voting.models import Vote
from voting.services import vote_chain_link


class ContestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contest

    slug = factory.Sequence(lambda n: f"contest-{n}")
    title = factory.Sequence(lambda n: f"대회 {n}")
    phase = Contest.Phase.OPEN


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    slug = factory.Sequence(lambda n: f"team-{n}")
    name = factory.Sequence(lambda n: f"팀 {n}")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.Sequence(lambda n: f"분야 {n}")


class EntrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entrant

    contest = factory.SubFactory(ContestFactory)
    team = factory.SubFactory(TeamFactory)
    display_name = factory.Sequence(lambda n: f"Model-{n}")
    base_url = "http://127.0.0.1:9/v1"
    model = factory.Sequence(lambda n: f"model-{n}")
    timeout_seconds = 10


def votes_simulate(contest, entrants, n, *, seed=0, category=None):
    """Create `n` voted battles among `entrants`, the earlier in the list the stronger.

    Entrant i has a true strength of -i/3 on the log10 odds scale (so 133 Elo points between
    neighbours); 10% of votes are ties. Seeded, so a test sees the same votes every run.
    """
    rng = random.Random(seed)
    strength = {entrant.pk: -i / 3 for i, entrant in enumerate(entrants)}
    for k in range(n):
        a, b = rng.sample(entrants, 2)
        battle = Battle.objects.create(
            contest=contest, category=category, session_key=f"s{seed}-{k}", entrant_a=a, entrant_b=b,
            pair_probability=2 / (len(entrants) * (len(entrants) - 1)),
        )
        turn = Turn.objects.create(battle=battle, index=0, prompt="질문")
        Response.objects.bulk_create(
            [
                Response(turn=turn, side=side, entrant=entrant, status="done", text="답")
                for side, entrant in (("a", a), ("b", b))
            ]
        )
        gap = strength[a.pk] - strength[b.pk]
        roll = rng.random()
        choice = "tie" if roll < 0.1 else ("a" if rng.random() < 1 / (1 + 10 ** (-gap)) else "b")
        with transaction.atomic():  # chaining locks the chain head until the vote commits
            vote = Vote.objects.create(battle=battle, choice=choice, voter=f"v{k % 7}")
            vote_chain_link(vote=vote)


def _groups_add(user, names, create) -> None:
    from django.contrib.auth.models import Group

    if create:
        user.save()
        # get_or_create: a transactional test before this one flushes the groups that the
        # roles data migration made.
        user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in names))


class UserFactory(factory.django.DjangoModelFactory):
    """An account with no role; its password is "pass". `UserFactory(roles=[...])` adds groups."""

    class Meta:
        model = "auth.User"
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pass")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _groups_add(self, extracted or (), create)


class OrganizerFactory(UserFactory):
    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _groups_add(self, extracted or ("organizers",), create)


class ExpertUserFactory(UserFactory):
    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _groups_add(self, extracted or ("experts",), create)


# --- The expert track ---------------------------------------------------------------------


def expert_make(*, domains=("law",), conflicts=(), username=None):
    """Create an expert (user in the experts group, with a profile) and return the user."""
    from django.contrib.auth.models import Group

    from expert.models import ExpertProfile

    # A transactional test empties every table, the data migration's groups included.
    Group.objects.get_or_create(name="experts")
    user = ExpertUserFactory(**({"username": username} if username else {}))
    profile = ExpertProfile.objects.create(user=user, domains=list(domains))
    profile.conflicts.set(conflicts)
    return user


def expert_pairs_make(contest, entrants, *, domain="law", prompts=2, gold=0):
    """Create a prompt set with finished answers from every entrant and all their pairs.

    The first `gold` pairs are gold, with the lower entrant's answer as the better one.
    """
    from expert.models import Answer, Pair, Prompt, PromptSet

    prompt_set = PromptSet.objects.create(contest=contest, title=f"세트 {PromptSet.objects.count()}")
    pairs = []
    for n in range(prompts):
        prompt = Prompt.objects.create(prompt_set=prompt_set, domain=domain, text=f"질문 {n}")
        answers = [
            Answer.objects.create(prompt=prompt, entrant=e, status="done", text=f"**답변** {e.pk}-{n}")
            for e in sorted(entrants, key=lambda e: e.pk)
        ]
        for i, first in enumerate(answers):
            for second in answers[i + 1 :]:
                pairs.append(Pair.objects.create(prompt=prompt, answer_1=first, answer_2=second))
    for pair in pairs[:gold]:
        pair.gold_answer = pair.answer_1
        pair.save()
    return prompt_set, pairs

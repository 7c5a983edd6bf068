"""Factories for test data (factory_boy)."""
import factory

from contest.models import Category, Contest, Entrant, Team


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

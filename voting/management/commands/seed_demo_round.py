"""Give the demo a published first round whose decision shows on /results/ and in the console.

Simulated votes (said so in its title) among the demo contest's five teams, under a rule declared
before it opened (four of five advance on the citizens' board, pairs drawn toward the decision),
closed and published with its files. Run once: a second run leaves an existing round alone.
"""
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from arena.draw import pair_choose
from arena.models import Battle, Response, Turn
from contest.models import Contest, Entrant
from contest.services import contest_rule_set, contest_transition
from voting import boards, exports
from voting.models import Track, Vote
from voting.pseudonyms import voter_hash
from voting.services import vote_chain_link

SLUG = "demo-round-1"
# Simulated true strengths (Elo points): neighbours 15–60 apart, as in public arenas.
TRUE_RATINGS = (1060, 1040, 1010, 995, 935)


class Command(BaseCommand):
    help = "Create the demo's published first round (simulated votes) that shows the decision."

    def add_arguments(self, parser):
        parser.add_argument("--votes", type=int, default=1000, help="Simulated votes (default 1000).")
        parser.add_argument("--seed", type=int, default=31)

    def handle(self, *args, votes, seed, **options):
        if votes < 1:
            raise CommandError("--votes must be at least 1")
        if Contest.objects.filter(slug=SLUG).exists():
            self.stdout.write(f"The demo's first round '{SLUG}' exists; left as it is.")
            return
        demo = Contest.objects.filter(slug="demo").first()
        if demo is None or demo.entrants.count() < 2:
            raise CommandError("Run seed_demo first: the first round copies the demo's teams.")
        contest = self.round_create(demo)
        self.votes_simulate(contest, votes, random.Random(seed))
        contest_transition(contest=contest, to=Contest.Phase.CLOSED)
        contest_transition(contest=contest, to=Contest.Phase.PUBLISHED)
        exports.published_files_write(contest_id=contest.pk)
        self.stdout.write(self.style.SUCCESS(
            f"Demo first round published with {votes} simulated votes: /results/?contest={SLUG}"))

    @transaction.atomic
    def round_create(self, demo: Contest) -> Contest:
        contest = Contest.objects.create(slug=SLUG, title="1차 평가 (데모, 모의 투표)",
                                         phase=Contest.Phase.DRAFT)
        for entrant in demo.entrants.order_by("pk"):
            Entrant.objects.create(contest=contest, team=entrant.team,
                                   display_name=entrant.display_name, base_url=entrant.base_url,
                                   model=entrant.model, params=entrant.params,
                                   timeout_seconds=entrant.timeout_seconds)
        contest_rule_set(contest=contest, rule={"advance_k": min(4, demo.entrants.count() - 1),
                                                "decision_board": Track.CITIZEN,
                                                "pair_draw": Contest.PairDraw.DECISION})
        return contest_transition(contest=contest, to=Contest.Phase.OPEN)

    def votes_simulate(self, contest: Contest, n: int, rng: random.Random) -> None:
        """Battles drawn as the contest's sampler draws them (refreshed every 100 votes, as the
        boards are), each voted by a simulated citizen under the true strengths (20% ties)."""
        from arena.draw import draw_probabilities

        entrants = list(contest.entrants.order_by("pk"))
        strength = {e.pk: TRUE_RATINGS[i % len(TRUE_RATINGS)] for i, e in enumerate(entrants)}
        for k in range(n):
            if k % 100 == 0:
                boards.leaderboard_compute(contest=contest, track=Track.CITIZEN)
            a, b, probability = pair_choose(
                entrants, pair_draw_setting=contest.pair_draw, contest_id=contest.pk,
                probabilities=draw_probabilities(contest.pk), key=lambda e: e.pk, rng=rng)
            gap = strength[a.pk] - strength[b.pk]
            roll = rng.random()
            choice = ("tie" if roll < 0.2 else
                      "a" if rng.random() < 1 / (1 + 10 ** (-gap / 400)) else "b")
            with transaction.atomic():
                battle = Battle.objects.create(contest=contest, session_key=f"demo-{k}",
                                               entrant_a=a, entrant_b=b, pair_probability=probability)
                turn = Turn.objects.create(battle=battle, index=0, prompt="모의 질문")
                Response.objects.bulk_create([
                    Response(turn=turn, side=side, entrant=entrant, status=Response.Status.DONE,
                             text="모의 답변") for side, entrant in (("a", a), ("b", b))])
                vote = Vote.objects.create(battle=battle, choice=choice,
                                           voter=voter_hash(f"demo-voter-{k % 97}"))
                vote_chain_link(vote=vote)

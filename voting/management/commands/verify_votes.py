"""Check the audit chains of the votes and the judgments: report altered, deleted, inserted or
reordered rows. Each row's content is derived again from the current rows (voting.audit), so a
changed fact of a vote (its sides, their reveal, its battle) shows as an altered row."""
import json
import sys

from django.core.management.base import BaseCommand

from voting import audit, chain
from voting.models import ChainHead

# Each chain: its head's name and what reads its entries back (with any problems of its logged
# migrations, voting.audit).
CHAINS = {audit.VOTE_CHAIN: audit.vote_chain_check, audit.JUDGMENT_CHAIN: audit.judgment_chain_check}


class Command(BaseCommand):
    help = (
        "Verify the audit chains of the votes and the judgments. Exits 1 and lists every "
        "altered, deleted, inserted or reordered row; exits 0 when every chain is intact."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--published-head",
            action="append",
            default=[],
            metavar="HASH",
            help="A chain head published earlier (leaderboard page); it must still be in the chain.",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, published_head, **options):
        report = {}
        for name, check in CHAINS.items():
            head = ChainHead.objects.filter(name=name).first()
            entries, problems = check()
            problems = chain.chain_verify(
                entries,
                head=(head.length, head.hash) if head else None,
                # A published head is the votes' (the leaderboard shows that one).
                published=published_head if name == audit.VOTE_CHAIN else (),
            ) + problems
            report[name] = {
                "length": head.length if head else 0,
                "head": head.hash if head else chain.GENESIS,
                "problems": [problem.__dict__ for problem in problems],
            }
        failed = any(chain_report["problems"] for chain_report in report.values())
        if options["json"]:
            self.stdout.write(_dumps(report))
        else:
            for name, chain_report in report.items():
                self.stdout.write(f"{name}: {chain_report['length']} rows, head {chain_report['head']}")
                for problem in chain_report["problems"]:
                    seq = "" if problem["seq"] is None else f" #{problem['seq']}"
                    self.stdout.write(f"  {problem['kind'].upper()} {problem['key']}{seq}: {problem['detail']}")
            if failed:
                self.stdout.write(self.style.ERROR("The chain is broken."))
            else:
                self.stdout.write(self.style.SUCCESS("The chain is intact."))
        if failed:
            sys.exit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)

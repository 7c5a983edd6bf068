"""Check the votes' audit chain: report altered, deleted, inserted or reordered rows."""
import json
import sys

from django.core.management.base import BaseCommand

from voting import chain, selectors
from voting.models import ChainHead

# Each chained table: its head's name and the selector that reads its rows back. The expert
# judgments join here with their own entry.
CHAINS = {"votes": selectors.vote_chain_entries}


class Command(BaseCommand):
    help = (
        "Verify the audit chain of the votes. Exits 1 and lists every altered, deleted, "
        "inserted or reordered row; exits 0 when the chain is intact."
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
        for name, entries in CHAINS.items():
            head = ChainHead.objects.filter(name=name).first()
            problems = chain.chain_verify(
                entries(),
                head=(head.length, head.hash) if head else None,
                published=published_head,
            )
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

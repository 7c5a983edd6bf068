"""Run the mock team server, the stand-in for the five teams' endpoints in the demo and tests."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from arena.mock_teams import PERSONAS, serve
from config.memory import freeze_startup_objects


class Command(BaseCommand):
    help = (
        "Serve the five mock team endpoints at http://HOST:PORT/<persona>/v1/chat/completions "
        f"(personas: {', '.join(PERSONAS)})."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument(
            "--speed",
            type=float,
            default=None,
            help="Divide every delay by this factor (default: $MOCK_TEAMS_SPEED or 1.0).",
        )
        parser.add_argument(
            "--require-key",
            action="store_true",
            help="Answer 401 to requests without an 'Authorization: Bearer' header.",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        speed: float | None,
        require_key: bool,
        **options: Any,
    ) -> None:
        if speed is not None and speed <= 0:
            raise CommandError("--speed must be positive.")
        # Django's verbosity 0..3 maps onto uvicorn's quietest to chattiest log levels.
        log_level = ("warning", "info", "info", "debug")[options["verbosity"]]
        freeze_startup_objects()  # as the site's processes do: short full collections
        serve(host, port, speed=speed, require_key=require_key, log_level=log_level)

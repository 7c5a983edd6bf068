"""Fixtures shared by the arena tests: the mock team server running for real."""

from tests.devservers.fixtures import _mock_teams_base_url, mock_teams_server

__all__ = ["_mock_teams_base_url", "mock_teams_server"]

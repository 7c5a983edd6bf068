"""The mock team server's own tests run it as the arena tests do."""

from tests.devservers.fixtures import _mock_teams_base_url, mock_teams_server

__all__ = ["_mock_teams_base_url", "mock_teams_server"]

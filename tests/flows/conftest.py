"""One Prefect test server for every flow test (it costs ~10 s to start)."""

import pytest


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=90),
        temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture(scope="session")
def demo_server():
    from scrapers.replay import ArchiveServer, demo_archive_root

    with ArchiveServer(demo_archive_root()) as server:
        yield server

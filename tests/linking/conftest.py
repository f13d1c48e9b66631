"""Shared fixtures for the linking tests: the shipped catalog, loaded once."""

from pathlib import Path

import pytest

from warehouse.catalog import load_catalog

SEED = Path("/work/shared/seed/symposium-2018.txt")


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.is_file():
        pytest.skip("seed press release not available")
    return SEED


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(seed_path=SEED if SEED.is_file() else None)

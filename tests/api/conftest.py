"""API test helpers: the seed claims by name and a clean throttle cache per test."""

import pytest
from django.core.cache import cache

DRONE = "A drone attack targeted the Ain al-Asad air base in western Iraq"
ROCKETS = "Five rockets were fired at a US base in Rumalyn, northeast Syria"
NO_CASUALTIES = "No casualties were reported in either attack"
FIRST_SINCE_PAUSE = "The attacks were the first since a pause that began in February"
JET = "A coalition fighter jet struck a rocket launcher"
EXPLOSION = "An explosion at a base south of Baghdad killed one PMF member"
TELEGRAM = "Attacks on US forces resumed because there was no progress toward a US withdrawal"
SUDANI = "Al-Sudani left Washington with no clear timeline for a US withdrawal"
HUNDREDS = "US bases were targeted hundreds of times from October 2023 to the end of January 2024"

ALL_CLAIMS = {
    DRONE,
    ROCKETS,
    NO_CASUALTIES,
    FIRST_SINCE_PAUSE,
    JET,
    EXPLOSION,
    TELEGRAM,
    SUDANI,
    HUNDREDS,
}
TELEGRAM_CHAIN = "Telegram channel affiliated with Kataib Hezbollah → Reuters → Antiwar.com"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts(django_db_blocker):
    # Throttle counters live in the cache (the database's, without REDIS_URL), which
    # outlives a test; start each test at zero, whichever database fixture it uses.
    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()


def texts(response) -> set[str]:
    """The claim texts of a paginated list response (asserting it succeeded)."""
    assert response.status_code == 200, response.content
    return {claim["text"] for claim in response.json()["results"]}

import pytest

from zugong.core.testing import build_personas


def pytest_configure(config):
    # Persistent connections (CONN_MAX_AGE) would keep the live server's thread attached to the test
    # database on PostgreSQL and stop its teardown; tests open and close connections per request.
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture
def personas(db):
    return build_personas()

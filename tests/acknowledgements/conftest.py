import pytest

from people.models import Role
from tests.factories import person


@pytest.fixture
def chair(st_elisabeths):
    return person(st_elisabeths, Role.CHAIR, full_name="Carol Chair", email="chair@se.example")


@pytest.fixture
def dee(villiers):
    """Dee is the Head Teacher at Villiers, the other school."""
    return person(
        villiers, Role.STAFF, Role.HEAD, full_name="Dee Dean", email="dee@villiers.example"
    )

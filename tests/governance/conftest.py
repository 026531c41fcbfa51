import pytest

from people.models import Role, Trust
from tests.factories import SchoolFactory, person
from tests.governance.data import trust_member


@pytest.fixture
def shine(villiers) -> Trust:
    return villiers.trust


@pytest.fixture
def gwen(villiers):
    """Gwen governs Villiers."""
    return person(villiers, Role.GOVERNOR, full_name="Gwen Gower", email="gwen@villiers.example")


@pytest.fixture
def hana(shine):
    """Hana is SHINE's Head of HR: a trust-level role."""
    return trust_member(shine, Role.TRUST_HR, full_name="Hana Reyes", email="hana@shine.example")


@pytest.fixture
def oscar(villiers):
    """Oscar is a second school of SHINE."""
    return SchoolFactory(name="Oakfield Primary School", slug="oakfield", trust=villiers.trust)


@pytest.fixture
def seb(st_elisabeths):
    """Seb governs St Elisabeth's."""
    return person(st_elisabeths, Role.GOVERNOR, full_name="Seb Sterling", email="seb@se.example")

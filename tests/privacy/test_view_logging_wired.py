"""Looking at a person, on a page or through the API, lands in the access log."""

from tests.factories import PersonFactory
from trustfunnel.privacy.models import ViewLog


def test_person_page_and_api_read_are_logged(client, api_for, workspace, sales_user):
    person = PersonFactory(workspace=workspace)
    client.force_login(sales_user)
    assert client.get(f"/people/{person.pk}/").status_code == 200
    assert api_for(sales_user).get(f"/api/v1/people/{person.pk}/").status_code == 200
    assert ViewLog.objects.filter(person=person).count() == 2

"""Looking at a person, on a page or through the API, lands in the access log."""

from tests.factories import PersonFactory
from trustfunnel.privacy.models import ViewLog


def test_person_page_and_api_read_are_logged(client, api_for, workspace, sales_user):
    person = PersonFactory(workspace=workspace)
    client.force_login(sales_user)
    assert client.get(f"/people/{person.pk}/").status_code == 200
    assert api_for(sales_user).get(f"/api/v1/people/{person.pk}/").status_code == 200
    assert ViewLog.objects.filter(person=person).count() == 2


def test_consent_changed_through_the_api_is_kept_in_the_history(api_for, workspace, sales_user):
    from trustfunnel.privacy.models import ConsentEvent

    person = PersonFactory(workspace=workspace, marketing_consent=False)
    response = api_for(sales_user).patch(f"/api/v1/people/{person.pk}/",
                                         {"marketing_consent": True}, format="json")
    assert response.status_code == 200, response.content
    assert list(ConsentEvent.objects.filter(person=person).values_list("action", flat=True)) == [
        "given"]

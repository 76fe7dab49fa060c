from tests.factories import OrganizationFactory
from trustfunnel.crm.models import Organization


def test_for_workspace_returns_only_that_workspaces_rows(workspace, other_workspace):
    mine = OrganizationFactory(workspace=workspace)
    OrganizationFactory(workspace=other_workspace)
    assert list(Organization.objects.for_workspace(workspace)) == [mine]

from trustfunnel.workspaces.roles import CAPABILITIES
from trustfunnel.workspaces.scoping import get_membership


def workspace(request):
    membership = get_membership(request)
    if membership is None:
        return {"membership": None, "workspace": None, "caps": frozenset()}
    return {
        "membership": membership,
        "workspace": membership.workspace,
        "caps": {c.value for c in CAPABILITIES.get(membership.role, frozenset())},
    }

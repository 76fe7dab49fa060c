"""trustfunnel: a relationship manager that puts trust at the centre of the sales funnel."""

__version__ = "0.1.0"

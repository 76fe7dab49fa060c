"""Placeholder until written."""
def run():
    raise NotImplementedError

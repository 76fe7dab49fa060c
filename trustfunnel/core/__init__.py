"""The engines of trustfunnel: pure Python, no Django.

Typed, frozen inputs in; typed results out, every result with its reasons. Time is
always an argument: nothing here reads the clock.
"""

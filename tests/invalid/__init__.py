"""Functions srcdiff must refuse, each with ``# ERROR-LINE`` on the line an error must point at.

Plain modules, never run: ``tests/test_errors.py`` only hands their functions to srcdiff
and finds the expected ``file:line`` by reading the marker.
"""

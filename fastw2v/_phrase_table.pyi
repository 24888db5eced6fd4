"""Type stubs of the compiled module ``_phrase_table.pyx``: the hash table of atom sequences.

It is C through and through (cimported by ``_phrase_apply`` and ``_phrase_counts``):
nothing in it is called from Python.
"""

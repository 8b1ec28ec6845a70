"""Benchmarks: a synthetic store generator and the figure runners behind `make bench`.

Nothing here is imported by the app; timings are measured in `make bench`, never in tests.
"""

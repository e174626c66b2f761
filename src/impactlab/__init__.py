"""impactlab: show what difference social work makes, for whom, how much, and what it is worth."""

__version__ = "0.1.0"

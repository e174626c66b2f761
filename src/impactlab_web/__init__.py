"""impactlab_web: the Django shell around the impactlab core. It stores and shows; the core calculates."""

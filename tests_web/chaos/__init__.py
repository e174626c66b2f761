"""A worker that stops at a chosen point (for the chaos test): the settings add ``tests_web.chaos`` as an app whose
``ready`` makes the chosen step wait, after touching a marker file, until the test kills the worker."""

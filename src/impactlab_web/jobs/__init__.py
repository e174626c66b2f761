"""Background jobs: long work (imports, simulations, reports) runs outside web requests, with progress.

A view calls :func:`impactlab_web.jobs.runner.enqueue`; the task queue (django-q2 with its ORM broker, worker
clusters started by ``manage.py run_jobs``) runs the function registered for the job's kind
(:func:`impactlab_web.jobs.registry.register`). Heartbeats, recovery of jobs whose worker died, rights
re-checked at run time and cleanup: see ``runner`` and ``lifecycle``, and the app's README. Pages poll the job's
status partial with HTMX.
"""

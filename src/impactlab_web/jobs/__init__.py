"""Background jobs: long work (imports, simulations, reports) runs outside web requests, with progress.

A view calls :func:`impactlab_web.jobs.runner.enqueue`; a worker process (``manage.py run_jobs``, started
by ``make run``) claims queued jobs one at a time and runs the function registered for the job's kind
(:func:`impactlab_web.jobs.registry.register`). Claiming is one conditional UPDATE, so several workers on
PostgreSQL or SQLite never run a job twice. Pages poll the job's status partial with HTMX.
"""

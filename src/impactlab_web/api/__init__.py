"""The JSON API (``/api/v1/``, OpenAPI schema at ``/api/v1/openapi.json``) and personal access tokens.

See ``docs/api.md``. Every answer goes through the web app's own rules: ``permissions`` (who may do what),
``evidence.version_for`` (which model version a user sees) and ``evidence.policy_for`` (disclosure control).
"""

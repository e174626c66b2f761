"""Fieldwork in the web app: questionnaires (builder, XLSForm import, waves, wave links, public pages,
responses to snapshots) and registrations of formal and informal support (entry, balance, feed the model)."""

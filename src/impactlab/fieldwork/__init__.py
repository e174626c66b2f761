"""Fieldwork: questionnaires (own format and XLSForm), skip logic, answer validation and wave links."""

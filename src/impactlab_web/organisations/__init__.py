"""An organisation's people: invitations by e-mail, roles per organisation and per programme, deactivation."""

"""Accounts: login (throttled), two-factor authentication, password change and reset, profile, own sessions."""

"""Notifications: an in-app list and an e-mail for what a person must know (invitations, comments on their
reports, answers to their comments, their jobs' ends)."""

"""Qualitative evidence: text extraction, codebooks and codings, agreement, REFI-QDA exchange."""

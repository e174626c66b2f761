"""Data upload (preview, column mapping, background import, validation report), data-sharing agreements and the
programme dashboard (SROI with its Monte Carlo interval, who pays, waterfall, tornado, change per instrument, the
formal/informal support balance). Every calculation is a call into the core; figures from respondent data pass
the core's disclosure control."""

"""The theory of change per stakeholder, for the web app's page: the core's ``impactlab.model.theory`` (the
report draws the same lanes)."""

from impactlab.model.theory import COLUMNS, Item, Lane, lanes

__all__ = ["COLUMNS", "Item", "Lane", "lanes"]

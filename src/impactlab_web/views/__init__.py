"""Views, one module per area: accounts, programmes, the model editor, data."""

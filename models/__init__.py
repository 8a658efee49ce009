"""Rows and the rules of change: tortoise models, the transition tables, the audit chain."""

# The modules tortoise loads as the app "models".
MODEL_MODULES = ["models.people", "models.request", "models.messaging", "models.audit"]

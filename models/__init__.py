"""Data and the rules of change: models, workflow, audit chain, outbox and inbox."""

# The modules tortoise loads as the app "models".
MODEL_MODULES = ["models.people", "models.request", "models.messaging", "models.audit"]

"""Configuration for tortoise's own CLI (`tortoise makemigrations`), for writing migrations."""

from models.db import tortoise_config

TORTOISE_ORM = tortoise_config("sqlite://:memory:")

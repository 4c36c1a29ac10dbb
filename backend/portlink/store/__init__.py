"""The database: the engine (:mod:`.engine`), every table by area (:mod:`.schema` gathers them) and the Alembic
migrations that create them (``migrations/``)."""

"""The shop server: one PostgreSQL database shared by several tills (ARCHITECTURE:
growing past one till). Its schema is managed by its own Alembic environment
(db/server/migrations), separate from the till's SQLite one."""

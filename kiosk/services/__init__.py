"""Use cases shared by the touch UI and kiosk-admin: no business rule lives in a
widget or a CLI command."""

"""kiosk-admin: the technician's and manager's command line."""

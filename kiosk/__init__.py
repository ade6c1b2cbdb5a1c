"""Point-of-sale kiosk appliance."""

__version__ = "0.1.0"

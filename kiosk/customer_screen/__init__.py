"""The customer-facing second screen (kiosk-customer-screen): kiosk/customer_screen/app.py."""

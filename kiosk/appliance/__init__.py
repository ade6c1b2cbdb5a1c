"""The appliance around the application: the systemd service and its watchdog, udev
rules for the devices, the Kivy input configuration, service control, upgrades."""

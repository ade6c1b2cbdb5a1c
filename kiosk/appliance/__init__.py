"""The appliance around the application: the systemd service and its watchdog, udev
rules for the devices, the Kivy input configuration, service control, upgrades."""

# kiosk.config's Settings includes sections defined in kiosk.appliance.settings, which
# subclass kiosk.config.Section: load kiosk.config first so that importing a submodule
# of this package directly never meets a half-initialised config module.
import kiosk.config  # noqa: F401, E402

"""The customer-facing second screen (kiosk-customer-screen): kiosk/customer_screen/app.py."""

from __future__ import annotations

from pathlib import Path

DEMO_SOCKET = "customer-screen.sock"  # in the demo's state directory


def demo_socket(state_dir: Path) -> Path:
    """Where ``kiosk --demo --customer-screen`` publishes the cart and the screen reads it."""
    return state_dir / DEMO_SOCKET

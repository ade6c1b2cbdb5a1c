"""The customer pole display (2x20 VFD/LCD): command sets (``protocols``), the
adapter with its writer thread (``device``) and a byte-exact simulator on a
pseudo-terminal (``simulator``: ``python -m hardware.pole.simulator``)."""

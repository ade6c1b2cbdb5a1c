"""Serial weighing scales: one module per protocol (pure frame parsers and request
bytes), the adapter that polls a scale in its own thread, byte-exact simulators on
pseudo-terminals, detection, and the ``[scale]``/``[barcodes]`` settings."""

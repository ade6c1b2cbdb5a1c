"""Serial weighing scales: one module per protocol (pure frame parsers and request
bytes), the adapter that polls a scale in its own thread, byte-exact simulators on
pseudo-terminals, detection, and the ``[scale]``/``[barcodes]`` settings.

``kiosk.config`` is imported first on purpose: it imports ``hardware.scale.config``
(our settings sections subclass its ``Section``), so loading it before that module
keeps the import order the same whichever module a caller imports first.
"""

import kiosk.config  # noqa: F401  (see the docstring: import order)

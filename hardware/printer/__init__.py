"""The ESC/POS receipt printer: connections (``connection``), real-time status
(``status``), the printer as the kiosk uses it (``receipt_printer``), the print
thread (``worker``), job building (``receipt``, ``text``, ``test_ticket``), a decoder
of printed bytes (``decode``) and a byte-exact network printer simulator
(``simulator``: ``python -m hardware.printer.simulator``)."""

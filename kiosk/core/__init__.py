"""Pure domain core: money, quantities, pricing, tax, cart, payments, receipts, barcodes.

Nothing here imports Kivy, SQLAlchemy, pyserial, python-escpos or gpiozero
(tests/core/test_purity.py checks it in a fresh interpreter).
"""

"""The electronic side of Colombian fiscal documents (DIAN): UBL 2.1 XML from a
``kiosk.core.fiscal.FiscalDocument``, XAdES-EPES signature, XML Schema validation,
the SOAP web-service client and a fake DIAN service for tests, the demo and the
technician.

    xml      = build_signed(document, signer)             # kiosk.fiscal.engine
    answer   = transport.send(xml, names)                  # kiosk.fiscal.transport
    answer.outcome in {"accepted", "rejected", "unreachable"}

Importing this package is light (config loads ``kiosk.fiscal.settings``); lxml and
cryptography are imported by the modules that need them.
"""

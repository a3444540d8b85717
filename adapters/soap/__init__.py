"""The ``soap`` exchange mode: SOAP 1.1 web services described by a WSDL.

- ``soap-call`` (:mod:`adapters.soap.call`, outbound): calls an operation per record with zeep.
- ``soap-serve`` (:mod:`adapters.soap.serve`, inbound): serves an endpoint where a system
  submits records, with its WSDL on ``?wsdl``.

Both speak the exchange contract in ``schemas/wsdl/city-platform.wsdl`` (our assumption of the
city platform's service, unconfirmed; see :mod:`adapters.soap.contract`). The modules import
zeep and lxml, so import them directly (the registry does) rather than from this package.
"""

# Import the modules directly (the registry does); they import zeep and lxml.
__all__ = [
    "call",
    "contract",
    "credentials",
    "outcomes",
    "serve",
    "server",
    "soap11",
    "submission",
]

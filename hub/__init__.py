"""The exchange core of supervision-hub.

Build a :class:`hub.assembly.Hub` from :func:`hub.config.settings.load_settings`; it holds the systems
catalogue, route table, source mappings and broker topology. A :class:`hub.runtime.worker.Worker` runs
the pipeline (:class:`hub.pipeline.processor.Processor`) against a broker session; ``hub.app.cli`` is the
command line. Message shapes live in :mod:`schemas.contract.messages` and :mod:`schemas.contract.envelope`.
"""

# The hub's parts, by layer (see README, Layers); import from them, not from here.
__all__ = [
    "admin",
    "app",
    "assembly",
    "config",
    "delivery",
    "hosting",
    "journal",
    "observers",
    "pipeline",
    "review",
    "runtime",
]

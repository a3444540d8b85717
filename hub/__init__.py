"""The exchange core of supervision-hub.

Build a :class:`hub.app.Hub` from :func:`hub.config.load_settings`; it holds the systems
catalogue, route table, source mappings and broker topology. A :class:`hub.worker.Worker` runs
the pipeline (:class:`hub.processor.Processor`) against a broker session; ``hub.cli`` is the
command line. Message shapes live in :mod:`hub.messages` and :mod:`hub.envelope`.
"""

"""Exchange monitoring: what flowed where, for operators.

Only this package may import prometheus-client (metrics arrive with the monitoring issue).
Today it holds :class:`monitor.flow.FlowTally`, the in-process tally the demo prints.
"""

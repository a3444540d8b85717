"""The record path for one input: receive, standardise, route, build the outputs.

Pure of the broker: the stages take message values and return message values (see
:mod:`hub.pipeline.processor`).
"""

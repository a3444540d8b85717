"""Test helpers shared by the hub's test modules."""

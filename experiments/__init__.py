"""Experiments on the partnership model: sweeps, statistics, figures and reports."""

"""The ten mechanisms of the design brief, one module each (ODD 7).

Each is a small function of explicit inputs, so it can be tested alone; `sim.model` calls them
in the weekly order of ODD 3.
"""

"""The calibration studies (`make calibrate`), the pattern statistics and their run store.

Each study is `python -m experiments.calibration.<study>` and rewrites its section of
docs/calibration.md (`doc`)."""

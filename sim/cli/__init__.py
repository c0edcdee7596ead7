"""The command line (`python -m sim`): the only part of `sim` that imports Hydra, OmegaConf or
matplotlib. `main` runs one run or a sweep, `checks` refuses bad input before anything runs,
`records` writes and reads a run's folder, `points` reads tables of points."""

"""`python -m sim`: the command line, in `sim.cli.main`."""

from sim.cli.main import cli

if __name__ == "__main__":
    cli()

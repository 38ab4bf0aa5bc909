"""`python -m arxiv_radar` runs the command-line interface."""

from arxiv_radar.cli import main

if __name__ == "__main__":
    main()

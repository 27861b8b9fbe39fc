import sys

from .cli import main

if __name__ == "__main__":  # Dask's worker processes import this module again (spawn): they must not run it
    sys.exit(main())

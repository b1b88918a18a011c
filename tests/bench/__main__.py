"""`python -m tests.bench` (`make bench`): print the benchmark tables."""

from __future__ import annotations

import sys

from tests.bench import main

if __name__ == "__main__":
    sys.exit(main())

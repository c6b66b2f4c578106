"""``python -m benchmarks`` (``make bench``): the scale benchmark. See the README, "Performance"."""

import sys

from benchmarks.run import main

sys.exit(main())

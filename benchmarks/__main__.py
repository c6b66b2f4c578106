"""``python -m benchmarks`` (``make bench``): the scale benchmark. See docs/performance.md."""

import sys

from benchmarks.run import main

sys.exit(main())

"""Performance measurement of the warehouse (issue 8): references an analyst would write, and bounds."""

"""Load generator, bare baselines and page-weight measurement for live (see docs/performance.md)."""

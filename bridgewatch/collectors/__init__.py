"""Media statistics from codecs and MCUs during a session: one module per vendor, one interface."""

"""Probes: protocol code only (ICMP, TCP, SIP OPTIONS, HTTP) behind one small interface."""

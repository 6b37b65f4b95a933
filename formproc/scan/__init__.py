"""Scanning filled certificates: load, register, clean, read, recognise, decode (see pipeline)."""

from formproc.scan.pipeline import PageResult, scan_file, scan_page

__all__ = ["PageResult", "scan_file", "scan_page"]

"""The monthly SIUI report: XML (siui_xml, schema, build), rectification, packaging and signing,
the SiuiWS client, the CAS feedback and the reporting deadline."""

from formproc.report.build import Prepared, ReportBlocked, build_report, prepare_report, select_records
from formproc.report.provider import Provider, load_provider, parse_month

__all__ = ["Prepared", "Provider", "ReportBlocked", "build_report", "load_provider", "parse_month",
           "prepare_report", "select_records"]

"""Workforce reports for the partnership (CONTRACT §8): model, then JSON, HTML, workbook."""

from .model import Report as Report
from .model import ReportBuilder as ReportBuilder
from .model import build_report as build_report

"""Workforce reports for the partnership (CONTRACT §8): model, then JSON, HTML, workbook."""

from .build import ReportBuilder as ReportBuilder
from .build import build_report as build_report
from .model import Report as Report

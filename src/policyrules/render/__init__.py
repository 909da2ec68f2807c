"""Decisions and policies as text for people and programs (the `render` arrow of the
pipeline; the CLI only picks one).

    contract_json  the CONTRACT §2 JSON text of a decision, and the error record
    formats        the machine formats of `evaluate`: JSON Lines, JSON, CSV
    table          a table for the terminal
    prose          `explain` and `eligible` in plain English
    catalogue      `describe` and `coverage` for people
    safe           text from input made safe for a terminal, a spreadsheet and JSON

Machine formats are plain `str`; text for people is a `rich.text.Text`, so that colour is
applied, or dropped, by the console that prints it.
"""

from .catalogue import coverage as coverage
from .catalogue import coverage_json as coverage_json
from .catalogue import describe as describe
from .contract_json import DecisionJson as DecisionJson
from .contract_json import error_record as error_record
from .formats import CSV_COLUMNS as CSV_COLUMNS
from .formats import MACHINE_FORMATS as MACHINE_FORMATS
from .formats import CsvRows as CsvRows
from .formats import JsonArray as JsonArray
from .formats import JsonLines as JsonLines
from .formats import OutputFormat as OutputFormat
from .prose import eligibility as eligibility
from .prose import explain as explain
from .style import STATUS_STYLE as STATUS_STYLE
from .table import Table as Table

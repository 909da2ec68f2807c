"""Write `hr_staff.xlsx` and `hr_training.xlsx`: a small messy HR export, as a learning
system gives it, for the worked example in docs/inputs.md.

Local column names ("Staff ID", "Start Date"), local values ("Regular", "Face to face"),
UK dates, some typed as text and some as date cells, and two rows wrong on purpose:
SW010's start date is 31/02/2025, which no calendar has, and SW011's contact level
"Sometimes" has no entry in `hr_mapping.toml`. Run from the repository root:
`python3 examples/hr_export.py`.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
D = datetime.date

STAFF = [
    ["Staff ID", "Start Date", "Contact Level", "Agency", "Team"],
    ["SW001", "03/09/2019", "Predominant", "Wearfield Children's Services", "North"],
    ["SW002", D(2021, 4, 12), "Regular", "Wearfield Children's Services", "North"],
    ["SW003", "15/01/2024", "Regular", "Wearfield Children's Services", "South"],
    ["SW004", "01/06/2026", "Occasional", "Wearfield Children's Services", "South"],
    ["SW005", "22/11/2018", "Predominant", "Wearfield Police", "Public Protection"],
    ["SW006", D(2023, 2, 1), "Regular", "Wearfield Police", "Public Protection"],
    ["SW007", "09/10/2020", "Occasional", "Wearfield Police", "Response"],
    ["SW008", "30/03/2025", "Regular", "Hillside Health Trust", "Health Visiting"],
    ["SW009", "12/12/2016", "None", "Hillside Health Trust", "Estates"],
    ["SW010", "31/02/2025", "Regular", "Hillside Health Trust", "Health Visiting"],
    ["SW011", "04/07/2022", "Sometimes", "Hillside Health Trust", "Estates"],
]

TRAINING = [
    ["Staff ID", "Course", "Date Completed", "Delivery"],
    ["SW001", "Safeguarding Induction (e-learning)", "20/09/2019", "E-learning"],
    ["SW001", "Working Together (multi-agency)", "05/03/2020", "Multi-agency workshop"],
    ["SW001", "Safeguarding Refresher", D(2023, 3, 14), "Face to face"],
    ["SW002", "Safeguarding Induction (e-learning)", "30/04/2021", "E-learning"],
    ["SW002", "Safeguarding Refresher", "02/05/2024", "Face to face"],
    ["SW003", "Safeguarding Induction (e-learning)", "01/02/2024", "E-learning"],
    ["SW005", "Safeguarding Induction (e-learning)", "10/12/2018", "E-learning"],
    ["SW005", "Working Together (multi-agency)", D(2019, 6, 18), "Multi-agency workshop"],
    ["SW006", "Safeguarding Induction (e-learning)", "14/02/2023", "E-learning"],
    ["SW007", "Safeguarding Induction (e-learning)", "21/10/2020", "E-learning"],
    ["SW008", "Safeguarding Induction (e-learning)", "11/04/2025", "E-learning"],
]


def write(path: Path, title: str, rows: list[list[object]]) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    for cell in ws["B" if title == "Staff" else "C"]:
        if isinstance(cell.value, D):
            cell.number_format = "dd/mm/yyyy"  # as a UK spreadsheet shows a date cell
    book.save(path)


if __name__ == "__main__":
    write(HERE / "hr_staff.xlsx", "Staff", STAFF)
    write(HERE / "hr_training.xlsx", "Training", TRAINING)

"""Styles shared by the renderings for people."""

STATUS_STYLE = {"met": "green", "due": "yellow", "overdue": "bold red"}

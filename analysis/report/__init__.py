"""Report: a department's year as a PowerPoint deck and a Word document, for the meeting and the archive.

In: a store path, the reader's ``Access`` and a scope (one department, optionally one team, a year).
Out: a ``content.Report`` (plain figures, tables and sentences, gathered from ``analysis.query`` under the
reader's scope, the reporting minimum and masking) and the bytes of a .pptx (``slides``: native,
editable charts) or a .docx (``paper``: tables and charts drawn with the shipped CJK font).

- ``content``: what the report says, and what it withholds and why.
- ``slides``: the deck; ``paper``: the written report; ``figures``: the paper's chart images.
- ``fonts``: the East-Asian font slots, so Chinese never falls back to a Latin font.
"""

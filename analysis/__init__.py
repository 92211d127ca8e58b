"""YearEnd Insight's analysis engine: pure Python, no Streamlit.

The pipeline turns the bytes of a year-end summary into a document record, sentence evidence and term
counts (``pipeline.analyse_bytes``), stores them in DuckDB (``store``) and answers the dashboard's and
the exports' questions (``query``, ``export``). ``python -m analysis --help`` lists the commands.
"""
from analysis.schema import ANALYSIS_VERSION

__all__ = ["ANALYSIS_VERSION"]

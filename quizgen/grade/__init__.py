"""Grading, driven by driver: tables (every CSV dialect and spreadsheet), roster and submissions in;
handed_out and timestamps place each row; reports and itemstats out."""

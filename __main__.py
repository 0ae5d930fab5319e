"""Pulumi entry point. Everything lives in the trade_pipeline package; see README.md."""

from trade_pipeline.stack import run_program

run_program()

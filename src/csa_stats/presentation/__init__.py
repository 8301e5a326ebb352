"""Presentation: charts, tables, sentences and the methodology page's figures."""

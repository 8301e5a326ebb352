"""Analysis: measures, changes, process control, projections, disclosure control, the plan's statuses."""

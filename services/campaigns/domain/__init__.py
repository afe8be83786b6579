"""Pure rules of the campaigns service: state tables, progress, periods, KPI arithmetic."""

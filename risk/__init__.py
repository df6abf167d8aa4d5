"""Risk: scoring, watch-list screening, anomaly detection, flags and dashboards."""

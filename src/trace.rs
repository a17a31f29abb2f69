//! x3270 trace files (placeholder).

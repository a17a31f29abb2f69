//! Trace replay (placeholder).

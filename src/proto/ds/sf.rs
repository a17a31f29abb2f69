//! Structured fields (placeholder).

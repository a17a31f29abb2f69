//! Query replies (placeholder).

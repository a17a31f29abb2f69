//! The built-in demo host (being written).

//! Tests of the demo host.

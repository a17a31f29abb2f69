//! Tests of the demo application.

//! The tokio runtime: connections, TLS, timers (being written).

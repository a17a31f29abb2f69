//! Building outbound 3270 records (being written).

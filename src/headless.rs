//! The headless client `r3270 screen` (being written).

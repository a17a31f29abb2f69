//! Tests of the views: layout arithmetic, text helpers and snapshots of drawn buffers.

use ratatui::layout::Rect;

use super::screen::layout;
use crate::proto::addr::{Dimensions, Position};

#[test]
fn a_fitting_screen_is_centred_and_maps_both_ways() {
    let l = layout(
        Rect::new(0, 0, 100, 30),
        Dimensions::MODEL_2,
        Position::new(5, 7),
        None,
    );
    assert!(!l.too_small());
    assert_eq!(l.origin(), (0, 0));
    assert_eq!(l.to_terminal(Position::new(0, 0)), Some((10, 3)));
    assert_eq!(l.to_host(10, 3), Some(Position::new(0, 0)));
    assert_eq!(l.cursor(), Some((17, 8)));
    assert_eq!(l.to_host(9, 3), None);
    assert_eq!(l.to_host(90, 3), None);
}

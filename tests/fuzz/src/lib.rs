//! Invariant checks shared by the fuzz targets.

use r3270::proto::addr::BufferAddr;
use r3270::proto::screen::Screen;
use r3270::proto::telnet::{DO, DONT, EOR, IAC, SB, SE, WILL, WONT};

/// The governing field attribute of every cell, by one forward pass over the cells (the
/// buffer wraps, so cells before the first attribute belong to the last one).
fn linear_field_attrs(screen: &Screen) -> Vec<Option<usize>> {
    let cells: Vec<_> = screen.cells().collect();
    let mut current = cells.iter().rposition(|c| c.is_field_attr());
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if c.is_field_attr() {
                current = Some(i);
            }
            current
        })
        .collect()
}

fn check_index(screen: &Screen, when: &str) {
    let dims = screen.dims();
    let expected = linear_field_attrs(screen);
    // A stale index makes every lookup a backward scan: check only a few cells then, to keep
    // the check linear (the full check runs again after the rebuild).
    let n = expected.len();
    let sample = [0, 1, n / 2, n.saturating_sub(1), screen.cursor().index()];
    let probes: Box<dyn Iterator<Item = usize>> = if screen.index_is_stale() {
        Box::new(sample.into_iter().filter(|&i| i < n))
    } else {
        Box::new(0..n)
    };
    for i in probes {
        let want = &expected[i];
        let addr = BufferAddr::new(i, dims).expect("address on the screen");
        let got = screen.field_attr_addr(addr).map(BufferAddr::index);
        assert_eq!(got, *want, "field_attr_addr({i}) {when}");
    }
    // Every cell belongs to exactly one field: attributes plus data positions cover the buffer.
    let fields = screen.fields();
    if !fields.is_empty() {
        let covered: usize = fields.iter().map(|f| f.len + 1).sum();
        assert_eq!(covered, dims.cells(), "fields do not tile the buffer {when}");
    }
}

/// Screen invariants: size, cursor on the screen, field index equal to a linear scan (as
/// left by the engine, and when that index is stale, again after `rebuild_fields`; a fresh
/// index is what a rebuild would produce, so it is checked once).
pub fn check_screen(screen: &Screen) {
    let dims = screen.dims();
    assert!(dims.is_valid(), "invalid dimensions {dims:?}");
    assert_eq!(screen.cells().len(), dims.cells(), "cell count");
    assert!(
        screen.cursor().index() < dims.cells(),
        "cursor {} off the {}-cell screen",
        screen.cursor().index(),
        dims.cells()
    );
    check_index(screen, "as left");
    if screen.index_is_stale() {
        let mut rebuilt = screen.clone();
        rebuilt.rebuild_fields();
        assert!(!rebuilt.index_is_stale());
        check_index(&rebuilt, "after rebuild_fields");
    }
}

/// Whether `out` is complete, well-formed telnet: every IAC is followed by a valid command
/// (a negotiation carries its option byte, a subnegotiation ends with IAC SE and has only
/// IAC IAC inside), and nothing is cut short at the end.
pub fn check_telnet_output(out: &[u8]) {
    let mut i = 0;
    while i < out.len() {
        if out[i] != IAC {
            i += 1;
            continue;
        }
        let Some(&cmd) = out.get(i + 1) else {
            panic!("IAC at the end of the output: {out:02X?}");
        };
        match cmd {
            IAC | EOR | 241..=249 => i += 2,
            WILL | WONT | DO | DONT => {
                assert!(i + 2 < out.len(), "negotiation cut short: {out:02X?}");
                i += 3;
            }
            SB => {
                assert!(i + 2 < out.len(), "SB without an option: {out:02X?}");
                let mut j = i + 3;
                loop {
                    match out.get(j) {
                        None => panic!("SB not ended by IAC SE: {out:02X?}"),
                        Some(&IAC) => match out.get(j + 1) {
                            Some(&IAC) => j += 2,
                            Some(&SE) => break,
                            other => panic!("IAC {other:02X?} inside SB: {out:02X?}"),
                        },
                        Some(_) => j += 1,
                    }
                }
                i = j + 2;
            }
            other => panic!("IAC followed by invalid command 0x{other:02X}: {out:02X?}"),
        }
    }
}

//! EBCDIC <-> Unicode code pages (placeholder until the generated tables land).

/// A single-byte EBCDIC code page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodePage {
    name: &'static str,
}

impl Default for CodePage {
    fn default() -> Self {
        CodePage { name: "bracket" }
    }
}

impl CodePage {
    /// Look a code page up by number ("037", "1047"), x3270 name ("bracket", "cp1140") or alias.
    pub fn from_name(name: &str) -> Option<Self> {
        (name == "bracket").then_some(CodePage { name: "bracket" })
    }
    /// Canonical name, as x3270 spells it.
    pub fn name(self) -> &'static str {
        self.name
    }
    /// Coded graphic character set id: GCSGID in the high 16 bits, CPGID in the low 16.
    pub fn cgcsgid(self) -> u32 {
        (697 << 16) | 37
    }
    /// The character a graphic EBCDIC byte stands for (controls 0x00-0x3F give ' ').
    pub fn to_unicode(self, b: u8) -> char {
        if b >= 0x40 { '?' } else { ' ' }
    }
    /// The EBCDIC byte for a character, if this code page has it.
    pub fn from_unicode(self, c: char) -> Option<u8> {
        (c == ' ').then_some(0x40)
    }
}

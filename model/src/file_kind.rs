//! What a file is, by its first bytes: the one place that tells an archive from an image, an
//! object or a text file, as the linkers and loaders tell them (by content, never by name).

/// The kind of a file, by its signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// An ELF file (`\x7fELF`): object, executable or shared library.
    Elf,
    /// A PE image (`MZ`).
    Pe,
    /// A thin Mach-O file, either byte order, 32- or 64-bit.
    MachO,
    /// A universal (fat) Mach-O file.
    FatMachO,
    /// A static archive (`!<arch>`), members held inside.
    Archive,
    /// A GNU thin archive (`!<thin>`), members named, held elsewhere.
    ThinArchive,
    /// A COFF object of one of the four Windows machines.
    CoffObject,
    /// LLVM bitcode.
    Bitcode,
    /// Text: printable ASCII and white space (a `.tbd` stub, a GNU ld script).
    Text,
    /// An empty file.
    Empty,
    /// None of these.
    Unknown,
}

/// Signatures, longest first where one starts another.
const SIGNATURES: &[(&[u8], FileKind)] = &[
    (b"\x7fELF", FileKind::Elf),
    (b"MZ", FileKind::Pe),
    (&[0xfe, 0xed, 0xfa, 0xce], FileKind::MachO),
    (&[0xfe, 0xed, 0xfa, 0xcf], FileKind::MachO),
    (&[0xce, 0xfa, 0xed, 0xfe], FileKind::MachO),
    (&[0xcf, 0xfa, 0xed, 0xfe], FileKind::MachO),
    (&[0xca, 0xfe, 0xba, 0xbe], FileKind::FatMachO),
    (&[0xca, 0xfe, 0xba, 0xbf], FileKind::FatMachO),
    (b"!<arch>\n", FileKind::Archive),
    (b"!<thin>\n", FileKind::ThinArchive),
    (&[0x64, 0x86], FileKind::CoffObject), // AMD64
    (&[0x4c, 0x01], FileKind::CoffObject), // I386
    (&[0x64, 0xaa], FileKind::CoffObject), // ARM64
    (&[0xc4, 0x01], FileKind::CoffObject), // ARMNT
    (b"BC\xc0\xde", FileKind::Bitcode),
];

impl FileKind {
    /// Its name with its article, for messages (`an ELF`, `a PE`).
    #[cfg(feature = "std")]
    pub fn a_name(self) -> String {
        let name = self.name();
        let vowel = name.starts_with(|c: char| "AEIOUaeiou".contains(c));
        format!("{} {name}", if vowel { "an" } else { "a" })
    }

    /// The kind of the file whose first bytes are `head`.
    pub fn identify(head: &[u8]) -> FileKind {
        if head.is_empty() {
            return FileKind::Empty;
        }
        if let Some((_, kind)) = SIGNATURES.iter().find(|(sig, _)| head.starts_with(sig)) {
            return *kind;
        }
        if is_text(head) {
            return FileKind::Text;
        }
        FileKind::Unknown
    }

    /// Whether `head`, shorter than a signature, is the start of one: a file cut off inside its
    /// signature.
    pub fn cut_in_signature(head: &[u8]) -> bool {
        SIGNATURES
            .iter()
            .any(|(sig, _)| head.len() < sig.len() && sig.starts_with(head))
    }

    /// An image a loader maps, or an object or universal file of images: ELF, PE, Mach-O.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileKind::Elf | FileKind::Pe | FileKind::MachO | FileKind::FatMachO
        )
    }

    /// A static archive, thin or not.
    pub fn is_archive(self) -> bool {
        matches!(self, FileKind::Archive | FileKind::ThinArchive)
    }

    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Elf => "ELF",
            FileKind::Pe => "PE",
            FileKind::MachO => "Mach-O",
            FileKind::FatMachO => "universal Mach-O",
            FileKind::Archive => "static archive",
            FileKind::ThinArchive => "thin archive",
            FileKind::CoffObject => "COFF object",
            FileKind::Bitcode => "LLVM bitcode",
            FileKind::Text => "text",
            FileKind::Empty => "empty",
            FileKind::Unknown => "unknown",
        }
    }
}

/// Whether `bytes` read as text: printable ASCII and white space (not NULs).
pub fn is_text(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::FileKind;

    #[test]
    fn kinds_by_signature() {
        let cases: &[(&[u8], FileKind)] = &[
            (b"\x7fELF\x02\x01", FileKind::Elf),
            (b"MZ\x90\x00", FileKind::Pe),
            (&[0xcf, 0xfa, 0xed, 0xfe, 7], FileKind::MachO),
            (&[0xca, 0xfe, 0xba, 0xbe, 0], FileKind::FatMachO),
            (b"!<arch>\n/ ", FileKind::Archive),
            (b"!<thin>\n", FileKind::ThinArchive),
            (&[0x64, 0xaa, 1, 0], FileKind::CoffObject),
            (b"BC\xc0\xde5", FileKind::Bitcode),
            (b"--- !tapi-tbd\n", FileKind::Text),
            (b"", FileKind::Empty),
            (b"\x00\x01\x02", FileKind::Unknown),
            (b"!<arc", FileKind::Text),
        ];
        for (head, want) in cases {
            assert_eq!(FileKind::identify(head), *want, "{head:?}");
        }
        assert!(FileKind::cut_in_signature(b"\x7fEL"));
        assert!(FileKind::cut_in_signature(b"!<ar"));
        assert!(!FileKind::cut_in_signature(b"\x7fELF"));
        assert!(!FileKind::cut_in_signature(b"xyz"));
    }
}

//! ELF notes of the stub object: `.note.GNU-stack` and the CET/BTI GNU property.

use crate::target::Arch;
use object::write::Object;
use object::SectionKind;

/// Adds a non-executable-stack note and the control-flow-protection property: IBT + SHSTK on
/// x86_64 (thunks start with `endbr64`; nothing touches the return address), BTI + PAC on
/// aarch64 (stubs start with `bti c`; no return-address signing is needed as nothing is saved).
pub fn add_notes(obj: &mut Object<'_>, arch: Arch) {
    obj.add_section(Vec::new(), b".note.GNU-stack".to_vec(), SectionKind::Other);
    use object::elf as e;
    match arch {
        Arch::X86_64 => obj.add_elf_gnu_property_u32(
            e::GNU_PROPERTY_X86_FEATURE_1_AND,
            e::GNU_PROPERTY_X86_FEATURE_1_IBT | e::GNU_PROPERTY_X86_FEATURE_1_SHSTK,
        ),
        Arch::Aarch64 => obj.add_elf_gnu_property_u32(
            e::GNU_PROPERTY_AARCH64_FEATURE_1_AND,
            e::GNU_PROPERTY_AARCH64_FEATURE_1_BTI | e::GNU_PROPERTY_AARCH64_FEATURE_1_PAC,
        ),
        _ => {}
    }
}

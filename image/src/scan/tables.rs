//! The metadata tables (ECMA-335 II.22): the layout of every table, computed from the row
//! counts and heap sizes, and bounds-checked access to their cells.

use super::fault::{u32_at, u64_at, Fault, ReadResult};

/// Table numbers the scanner reads (II.22).
#[allow(missing_docs)]
pub mod id {
    pub const MODULE: usize = 0x00;
    pub const TYPE_REF: usize = 0x01;
    pub const TYPE_DEF: usize = 0x02;
    pub const FIELD_PTR: usize = 0x03;
    pub const FIELD: usize = 0x04;
    pub const METHOD_PTR: usize = 0x05;
    pub const METHOD_DEF: usize = 0x06;
    pub const PARAM_PTR: usize = 0x07;
    pub const PARAM: usize = 0x08;
    pub const INTERFACE_IMPL: usize = 0x09;
    pub const MEMBER_REF: usize = 0x0A;
    pub const CONSTANT: usize = 0x0B;
    pub const CUSTOM_ATTRIBUTE: usize = 0x0C;
    pub const FIELD_MARSHAL: usize = 0x0D;
    pub const DECL_SECURITY: usize = 0x0E;
    pub const CLASS_LAYOUT: usize = 0x0F;
    pub const FIELD_LAYOUT: usize = 0x10;
    pub const STAND_ALONE_SIG: usize = 0x11;
    pub const EVENT_MAP: usize = 0x12;
    pub const EVENT_PTR: usize = 0x13;
    pub const EVENT: usize = 0x14;
    pub const PROPERTY_MAP: usize = 0x15;
    pub const PROPERTY_PTR: usize = 0x16;
    pub const PROPERTY: usize = 0x17;
    pub const METHOD_SEMANTICS: usize = 0x18;
    pub const METHOD_IMPL: usize = 0x19;
    pub const MODULE_REF: usize = 0x1A;
    pub const TYPE_SPEC: usize = 0x1B;
    pub const IMPL_MAP: usize = 0x1C;
    pub const FIELD_RVA: usize = 0x1D;
    pub const ENC_LOG: usize = 0x1E;
    pub const ENC_MAP: usize = 0x1F;
    pub const ASSEMBLY: usize = 0x20;
    pub const ASSEMBLY_PROCESSOR: usize = 0x21;
    pub const ASSEMBLY_OS: usize = 0x22;
    pub const ASSEMBLY_REF: usize = 0x23;
    pub const ASSEMBLY_REF_PROCESSOR: usize = 0x24;
    pub const ASSEMBLY_REF_OS: usize = 0x25;
    pub const FILE: usize = 0x26;
    pub const EXPORTED_TYPE: usize = 0x27;
    pub const MANIFEST_RESOURCE: usize = 0x28;
    pub const NESTED_CLASS: usize = 0x29;
    pub const GENERIC_PARAM: usize = 0x2A;
    pub const METHOD_SPEC: usize = 0x2B;
    pub const GENERIC_PARAM_CONSTRAINT: usize = 0x2C;
}

/// Table names, for messages.
const NAMES: [&str; 0x2D] = [
    "Module",
    "TypeRef",
    "TypeDef",
    "FieldPtr",
    "Field",
    "MethodPtr",
    "MethodDef",
    "ParamPtr",
    "Param",
    "InterfaceImpl",
    "MemberRef",
    "Constant",
    "CustomAttribute",
    "FieldMarshal",
    "DeclSecurity",
    "ClassLayout",
    "FieldLayout",
    "StandAloneSig",
    "EventMap",
    "EventPtr",
    "Event",
    "PropertyMap",
    "PropertyPtr",
    "Property",
    "MethodSemantics",
    "MethodImpl",
    "ModuleRef",
    "TypeSpec",
    "ImplMap",
    "FieldRVA",
    "EncLog",
    "EncMap",
    "Assembly",
    "AssemblyProcessor",
    "AssemblyOS",
    "AssemblyRef",
    "AssemblyRefProcessor",
    "AssemblyRefOS",
    "File",
    "ExportedType",
    "ManifestResource",
    "NestedClass",
    "GenericParam",
    "MethodSpec",
    "GenericParamConstraint",
];

/// The name of table `t`.
pub fn name(t: usize) -> &'static str {
    NAMES.get(t).copied().unwrap_or("unknown")
}

/// Coded index kinds (II.24.2.6): tag bits and the tables the tag selects (`NONE` = unused tag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coded {
    /// TypeDefOrRef.
    TypeDefOrRef,
    /// HasConstant.
    HasConstant,
    /// HasCustomAttribute.
    HasCustomAttribute,
    /// HasFieldMarshal.
    HasFieldMarshal,
    /// HasDeclSecurity.
    HasDeclSecurity,
    /// MemberRefParent.
    MemberRefParent,
    /// HasSemantics.
    HasSemantics,
    /// MethodDefOrRef.
    MethodDefOrRef,
    /// MemberForwarded.
    MemberForwarded,
    /// Implementation.
    Implementation,
    /// CustomAttributeType.
    CustomAttributeType,
    /// ResolutionScope.
    ResolutionScope,
    /// TypeOrMethodDef.
    TypeOrMethodDef,
}

const NONE: usize = usize::MAX;

impl Coded {
    /// Tag bits and the tables, by tag.
    pub fn spec(self) -> (u32, &'static [usize]) {
        use id::*;
        match self {
            Coded::TypeDefOrRef => (2, &[TYPE_DEF, TYPE_REF, TYPE_SPEC]),
            Coded::HasConstant => (2, &[FIELD, PARAM, PROPERTY]),
            Coded::HasCustomAttribute => (
                5,
                &[
                    METHOD_DEF,
                    FIELD,
                    TYPE_REF,
                    TYPE_DEF,
                    PARAM,
                    INTERFACE_IMPL,
                    MEMBER_REF,
                    MODULE,
                    DECL_SECURITY,
                    PROPERTY,
                    EVENT,
                    STAND_ALONE_SIG,
                    MODULE_REF,
                    TYPE_SPEC,
                    ASSEMBLY,
                    ASSEMBLY_REF,
                    FILE,
                    EXPORTED_TYPE,
                    MANIFEST_RESOURCE,
                    GENERIC_PARAM,
                    GENERIC_PARAM_CONSTRAINT,
                    METHOD_SPEC,
                ],
            ),
            Coded::HasFieldMarshal => (1, &[FIELD, PARAM]),
            Coded::HasDeclSecurity => (2, &[TYPE_DEF, METHOD_DEF, ASSEMBLY]),
            Coded::MemberRefParent => (3, &[TYPE_DEF, TYPE_REF, MODULE_REF, METHOD_DEF, TYPE_SPEC]),
            Coded::HasSemantics => (1, &[EVENT, PROPERTY]),
            Coded::MethodDefOrRef => (1, &[METHOD_DEF, MEMBER_REF]),
            Coded::MemberForwarded => (1, &[FIELD, METHOD_DEF]),
            Coded::Implementation => (2, &[FILE, ASSEMBLY_REF, EXPORTED_TYPE]),
            Coded::CustomAttributeType => (3, &[NONE, NONE, METHOD_DEF, MEMBER_REF, NONE]),
            Coded::ResolutionScope => (2, &[MODULE, MODULE_REF, ASSEMBLY_REF, TYPE_REF]),
            Coded::TypeOrMethodDef => (1, &[TYPE_DEF, METHOD_DEF]),
        }
    }

    /// Splits a coded index into (table, 1-based row); `None` for an unused tag.
    pub fn decode(self, value: u32) -> Option<(usize, u32)> {
        let (bits, tables) = self.spec();
        let table = *tables.get((value & ((1 << bits) - 1)) as usize)?;
        (table != NONE).then_some((table, value >> bits))
    }
}

/// A column's kind.
#[derive(Clone, Copy)]
enum Col {
    U16,
    U32,
    Str,
    Guid,
    Blob,
    Index(usize),
    Coded(Coded),
}

/// The columns of each table, in order.
fn schema(t: usize) -> Option<&'static [Col]> {
    use id::*;
    use Col::*;
    Some(match t {
        MODULE => &[U16, Str, Guid, Guid, Guid],
        TYPE_REF => &[Coded(self::Coded::ResolutionScope), Str, Str],
        TYPE_DEF => &[
            U32,
            Str,
            Str,
            Coded(self::Coded::TypeDefOrRef),
            Index(FIELD),
            Index(METHOD_DEF),
        ],
        FIELD_PTR => &[Index(FIELD)],
        FIELD => &[U16, Str, Blob],
        METHOD_PTR => &[Index(METHOD_DEF)],
        METHOD_DEF => &[U32, U16, U16, Str, Blob, Index(PARAM)],
        PARAM_PTR => &[Index(PARAM)],
        PARAM => &[U16, U16, Str],
        INTERFACE_IMPL => &[Index(TYPE_DEF), Coded(self::Coded::TypeDefOrRef)],
        MEMBER_REF => &[Coded(self::Coded::MemberRefParent), Str, Blob],
        CONSTANT => &[U16, Coded(self::Coded::HasConstant), Blob],
        CUSTOM_ATTRIBUTE => &[
            Coded(self::Coded::HasCustomAttribute),
            Coded(self::Coded::CustomAttributeType),
            Blob,
        ],
        FIELD_MARSHAL => &[Coded(self::Coded::HasFieldMarshal), Blob],
        DECL_SECURITY => &[U16, Coded(self::Coded::HasDeclSecurity), Blob],
        CLASS_LAYOUT => &[U16, U32, Index(TYPE_DEF)],
        FIELD_LAYOUT => &[U32, Index(FIELD)],
        STAND_ALONE_SIG => &[Blob],
        EVENT_MAP => &[Index(TYPE_DEF), Index(EVENT)],
        EVENT_PTR => &[Index(EVENT)],
        EVENT => &[U16, Str, Coded(self::Coded::TypeDefOrRef)],
        PROPERTY_MAP => &[Index(TYPE_DEF), Index(PROPERTY)],
        PROPERTY_PTR => &[Index(PROPERTY)],
        PROPERTY => &[U16, Str, Blob],
        METHOD_SEMANTICS => &[U16, Index(METHOD_DEF), Coded(self::Coded::HasSemantics)],
        METHOD_IMPL => &[
            Index(TYPE_DEF),
            Coded(self::Coded::MethodDefOrRef),
            Coded(self::Coded::MethodDefOrRef),
        ],
        MODULE_REF => &[Str],
        TYPE_SPEC => &[Blob],
        IMPL_MAP => &[U16, Coded(self::Coded::MemberForwarded), Str, Index(MODULE_REF)],
        FIELD_RVA => &[U32, Index(FIELD)],
        ENC_LOG => &[U32, U32],
        ENC_MAP => &[U32],
        ASSEMBLY => &[U32, U16, U16, U16, U16, U32, Blob, Str, Str],
        ASSEMBLY_PROCESSOR => &[U32],
        ASSEMBLY_OS => &[U32, U32, U32],
        ASSEMBLY_REF => &[U16, U16, U16, U16, U32, Blob, Str, Str, Blob],
        ASSEMBLY_REF_PROCESSOR => &[U32, Index(ASSEMBLY_REF)],
        ASSEMBLY_REF_OS => &[U32, U32, U32, Index(ASSEMBLY_REF)],
        FILE => &[U32, Str, Blob],
        EXPORTED_TYPE => &[U32, U32, Str, Str, Coded(self::Coded::Implementation)],
        MANIFEST_RESOURCE => &[U32, U32, Str, Coded(self::Coded::Implementation)],
        NESTED_CLASS => &[Index(TYPE_DEF), Index(TYPE_DEF)],
        GENERIC_PARAM => &[U16, U16, Coded(self::Coded::TypeOrMethodDef), Str],
        METHOD_SPEC => &[Coded(self::Coded::MethodDefOrRef), Blob],
        GENERIC_PARAM_CONSTRAINT => &[Index(GENERIC_PARAM), Coded(self::Coded::TypeDefOrRef)],
        _ => return None,
    })
}

const MAX_COLS: usize = 9;

/// Where one table's rows are and how its cells are laid out.
#[derive(Clone, Copy, Default)]
struct Layout {
    rows: u32,
    start: usize,
    row_size: usize,
    /// (offset in row, width in bytes) per column.
    cols: [(u8, u8); MAX_COLS],
}

/// The tables of one metadata stream.
pub struct Tables<'a> {
    data: &'a [u8],
    layouts: [Layout; 64],
}

impl<'a> Tables<'a> {
    /// Reads the table stream header and lays out every table, checking that all rows fit in the
    /// stream (so a corrupt row count is caught here, before anything is allocated for it).
    pub fn read(data: &'a [u8]) -> ReadResult<Self> {
        let heap_sizes = *data
            .get(6)
            .ok_or_else(|| Fault::truncated("the table stream header"))?;
        let valid = u64_at(data, 8).ok_or_else(|| Fault::truncated("the table stream header"))?;
        let mut layouts = [Layout::default(); 64];
        let mut at = 24usize;
        for (t, layout) in layouts.iter_mut().enumerate() {
            if valid >> t & 1 == 1 {
                layout.rows = u32_at(data, at).ok_or_else(|| Fault::truncated("the table row counts"))?;
                at += 4;
            }
        }
        // The `extra data` flag: 4 more bytes after the counts (seen in uncompressed streams).
        if heap_sizes & 0x40 != 0 {
            at += 4;
        }
        let wide = |bit: u8| if heap_sizes & bit != 0 { 4u8 } else { 2u8 };
        let (str_w, guid_w, blob_w) = (wide(0x01), wide(0x02), wide(0x04));
        let rows: Vec<u32> = layouts.iter().map(|l| l.rows).collect();
        let index_w = |t: usize| if rows[t] >= 1 << 16 { 4u8 } else { 2u8 };
        let coded_w = |c: Coded| {
            let (bits, tables) = c.spec();
            let max = tables
                .iter()
                .filter(|&&t| t != NONE)
                .map(|&t| rows[t])
                .max()
                .unwrap_or(0);
            if u64::from(max) >= 1u64 << (16 - bits) {
                4u8
            } else {
                2u8
            }
        };
        let mut offset = at;
        for (t, layout) in layouts.iter_mut().enumerate() {
            if layout.rows == 0 {
                continue;
            }
            let cols = schema(t).ok_or_else(|| {
                Fault::corrupt(format!(
                    "the metadata has rows in table 0x{t:02x}, which ECMA-335 does not define"
                ))
            })?;
            let mut size = 0u8;
            for (i, col) in cols.iter().enumerate() {
                let w = match *col {
                    Col::U16 => 2,
                    Col::U32 => 4,
                    Col::Str => str_w,
                    Col::Guid => guid_w,
                    Col::Blob => blob_w,
                    Col::Index(target) => index_w(target),
                    Col::Coded(c) => coded_w(c),
                };
                layout.cols[i] = (size, w);
                size += w;
            }
            layout.row_size = size as usize;
            layout.start = offset;
            let bytes = u64::from(layout.rows) * size as u64;
            let end = offset as u64 + bytes;
            if end > data.len() as u64 {
                return Err(Fault::corrupt(format!(
                    "table {} claims {} rows, which do not fit in the {} bytes of the table stream",
                    name(t),
                    layout.rows,
                    data.len()
                )));
            }
            offset = end as usize;
        }
        Ok(Tables { data, layouts })
    }

    /// Number of rows in table `t`.
    #[inline]
    pub fn rows(&self, t: usize) -> u32 {
        self.layouts[t].rows
    }

    /// Cell `col` of 1-based `row` of table `t`; an error when the row does not exist.
    #[inline]
    pub fn cell(&self, t: usize, row: u32, col: usize) -> ReadResult<u32> {
        let l = &self.layouts[t];
        if row == 0 || row > l.rows {
            return Err(Fault::corrupt(format!(
                "a reference to {} row {row}, but the table has {} rows",
                name(t),
                l.rows
            )));
        }
        let (off, w) = l.cols[col];
        let at = l.start + (row as usize - 1) * l.row_size + off as usize;
        // `read` checked that every row of every table fits in `data`; the checks below only
        // guard against a column number the schema does not have.
        match (w, self.data.get(at..at + w as usize)) {
            (2, Some(b)) => Ok(u32::from(u16::from_le_bytes([b[0], b[1]]))),
            (4, Some(b)) => Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => Err(Fault::corrupt(format!("{} has no column {col}", name(t)))),
        }
    }
}

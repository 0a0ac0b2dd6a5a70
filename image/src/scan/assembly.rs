//! Reads one assembly's P/Invokes (ImplMap rows) and named UnmanagedCallersOnly entry points.

use super::attrs::{self, ArgType, Value};
use super::fault::{Fault, ReadResult};
use super::heaps::{self, Blobs, Strings};
use super::pe;
use super::sig;
use super::tables::{id, Coded, Tables};
use aotinterop_model::imports::Import;
use aotinterop_model::{CallingConvention, Charset, DllImportSearchPath};

const INTEROP_NS: &[u8] = b"System.Runtime.InteropServices";
const SEARCH_PATHS_ATTR: &[u8] = b"DefaultDllImportSearchPathsAttribute";
const UCO_ATTR: &[u8] = b"UnmanagedCallersOnlyAttribute";

/// One P/Invoke as read, with its signature for cross-assembly comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedImport {
    /// The import, with `assembly`, `type` and `method` filled.
    pub import: Import,
    /// The managed signature as text (`int32(string, native int)`), when it could be decoded.
    pub signature: Option<String>,
}

/// One `[UnmanagedCallersOnly(EntryPoint = "...")]` method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedExport {
    /// `EntryPoint`.
    pub name: String,
    /// The declaring type (`Namespace.Outer/Nested`).
    pub type_name: String,
    /// The method name.
    pub method: String,
    /// The simple names of the `CallConvs` types.
    pub call_convs: Vec<String>,
}

/// What one assembly declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssemblyInterop {
    /// The assembly's simple name (from its Assembly row, else its Module row).
    pub name: String,
    /// Every ImplMap row of a method, in table order.
    pub imports: Vec<ScannedImport>,
    /// Every UnmanagedCallersOnly method with a non-empty `EntryPoint`, in attribute order.
    pub exports: Vec<ScannedExport>,
    /// Attributes that could not be decoded (the reading goes on without them).
    pub undecodable_attributes: Vec<String>,
    /// The simple names of the assemblies it references (its AssemblyRef rows).
    pub references: Vec<String>,
    /// Whether its CLI header names an entry point (`Main`): an executable's.
    pub has_entry_point: bool,
}

/// An attribute constructor: its type's namespace and name, and its signature blob.
struct Ctor<'a> {
    namespace: &'a [u8],
    name: &'a [u8],
    signature: &'a [u8],
}

/// The metadata of one assembly, ready to query.
pub(super) struct Md<'a> {
    pub(super) t: Tables<'a>,
    pub(super) strings: Strings<'a>,
    pub(super) blobs: Blobs<'a>,
    pub(super) nested_sorted: bool,
}

/// Reads an assembly image's interop declarations. `fallback_name` names the assembly when its
/// metadata has neither an Assembly nor a Module name.
pub fn read(bytes: &[u8], fallback_name: &str) -> ReadResult<AssemblyInterop> {
    let cli = pe::metadata(bytes)?;
    let streams = heaps::streams(cli.metadata)?;
    let t = Tables::read(streams.tables)?;
    let nested_sorted = is_sorted(&t, id::NESTED_CLASS)?;
    let md = Md {
        t,
        strings: streams.strings,
        blobs: streams.blobs,
        nested_sorted,
    };
    let mut interop = md.interop(fallback_name)?;
    interop.has_entry_point = cli.has_entry_point;
    Ok(interop)
}

fn is_sorted(t: &Tables<'_>, table: usize) -> ReadResult<bool> {
    let mut prev = 0;
    for row in 1..=t.rows(table) {
        let v = t.cell(table, row, 0)?;
        if v < prev {
            return Ok(false);
        }
        prev = v;
    }
    Ok(true)
}

/// Attribute findings, by owner.
#[derive(Default)]
struct Found<'a> {
    assembly_search_path: Option<u32>,
    method_search_paths: Vec<(u32, u32)>,
    uco: Vec<(u32, &'a [u8], Vec<ArgType>)>,
    undecodable: Vec<String>,
}

impl<'a> Md<'a> {
    fn interop(&self, fallback_name: &str) -> ReadResult<AssemblyInterop> {
        let name = self.assembly_name(fallback_name)?;
        let found = self.attributes()?;
        let mut out = AssemblyInterop {
            name,
            undecodable_attributes: found.undecodable,
            ..AssemblyInterop::default()
        };
        for row in 1..=self.t.rows(id::ASSEMBLY_REF) {
            let name = self.strings.get(self.t.cell(id::ASSEMBLY_REF, row, 6)?)?;
            out.references.push(name.to_string());
        }
        let mut method_paths = found.method_search_paths;
        method_paths.sort_unstable();
        out.imports.reserve(self.t.rows(id::IMPL_MAP) as usize);
        for row in 1..=self.t.rows(id::IMPL_MAP) {
            if let Some(imp) = self.import(row, &out.name, &method_paths, found.assembly_search_path)? {
                out.imports.push(imp);
            }
        }
        for (method, blob, params) in found.uco {
            let context = || format!("UnmanagedCallersOnlyAttribute on {}", self.method_label(method));
            let Some(decoded) = attrs::decode(blob, &params) else {
                out.undecodable_attributes.push(context());
                continue;
            };
            let mut entry = None;
            let mut call_convs = Vec::new();
            for (name, value) in decoded.named {
                match (name, value) {
                    ("EntryPoint", Value::Str(s)) => entry = s,
                    ("CallConvs", Value::Array(Some(items))) => {
                        call_convs = items
                            .into_iter()
                            .filter_map(|v| match v {
                                Value::Str(Some(s)) => Some(simple_type_name(s).to_string()),
                                _ => None,
                            })
                            .collect()
                    }
                    _ => {}
                }
            }
            let Some(entry) = entry.filter(|e| !e.is_empty()) else {
                continue;
            };
            out.exports.push(ScannedExport {
                name: entry.to_string(),
                type_name: self.declaring_type(method)?,
                method: self
                    .strings
                    .get(self.t.cell(id::METHOD_DEF, method, 3)?)?
                    .to_string(),
                call_convs,
            });
        }
        Ok(out)
    }

    fn assembly_name(&self, fallback: &str) -> ReadResult<String> {
        if self.t.rows(id::ASSEMBLY) > 0 {
            return Ok(self.strings.get(self.t.cell(id::ASSEMBLY, 1, 7)?)?.to_string());
        }
        if self.t.rows(id::MODULE) > 0 {
            let module = self.strings.get(self.t.cell(id::MODULE, 1, 1)?)?;
            let stem = module
                .strip_suffix(".dll")
                .or_else(|| module.strip_suffix(".exe"))
                .or_else(|| module.strip_suffix(".winmd"))
                .or_else(|| module.strip_suffix(".netmodule"))
                .unwrap_or(module);
            if !stem.is_empty() {
                return Ok(stem.to_string());
            }
        }
        Ok(fallback.to_string())
    }

    /// One pass over CustomAttribute: the search-path and UnmanagedCallersOnly attributes.
    fn attributes(&self) -> ReadResult<Found<'a>> {
        let mut found = Found::default();
        for row in 1..=self.t.rows(id::CUSTOM_ATTRIBUTE) {
            let parent = Coded::HasCustomAttribute.decode(self.t.cell(id::CUSTOM_ATTRIBUTE, row, 0)?);
            let (parent_table, parent_row) = match parent {
                Some(p @ (id::METHOD_DEF, _)) | Some(p @ (id::ASSEMBLY, _)) => p,
                _ => continue,
            };
            let ctor = self.t.cell(id::CUSTOM_ATTRIBUTE, row, 1)?;
            let Some((ctor_table, ctor_row)) = Coded::CustomAttributeType.decode(ctor) else {
                continue;
            };
            let Some(Ctor {
                namespace: ns,
                name,
                signature: ctor_sig,
            }) = self.ctor_type(ctor_table, ctor_row)?
            else {
                continue;
            };
            if ns != INTEROP_NS || (name != SEARCH_PATHS_ATTR && name != UCO_ATTR) {
                continue;
            }
            let blob = self.blobs.get(self.t.cell(id::CUSTOM_ATTRIBUTE, row, 2)?)?;
            let params = attrs::ctor_params(ctor_sig, &|tok| self.is_system_type(tok));
            let owner = || {
                if parent_table == id::ASSEMBLY {
                    "the assembly".to_string()
                } else {
                    self.method_label(parent_row)
                }
            };
            let Some(params) = params else {
                found.undecodable.push(format!(
                    "{} on {}: unsupported constructor signature",
                    String::from_utf8_lossy(name),
                    owner()
                ));
                continue;
            };
            if name == UCO_ATTR {
                if parent_table == id::METHOD_DEF {
                    found.uco.push((parent_row, blob, params));
                }
                continue;
            }
            match attrs::decode(blob, &params).and_then(|d| match d.fixed.first() {
                Some(Value::Int(v)) => Some(*v as u32),
                _ => None,
            }) {
                Some(v) if parent_table == id::ASSEMBLY => found.assembly_search_path = Some(v),
                Some(v) => found.method_search_paths.push((parent_row, v)),
                None => found
                    .undecodable
                    .push(format!("DefaultDllImportSearchPathsAttribute on {}", owner())),
            }
        }
        Ok(found)
    }

    /// The namespace and name of the type declaring an attribute constructor, and the
    /// constructor's signature.
    fn ctor_type(&self, table: usize, row: u32) -> ReadResult<Option<Ctor<'a>>> {
        let (type_table, type_row, sig) = match table {
            id::METHOD_DEF => {
                let Some(owner) = self.owner_of(row)? else {
                    return Ok(None);
                };
                (id::TYPE_DEF, owner, self.t.cell(id::METHOD_DEF, row, 4)?)
            }
            id::MEMBER_REF => {
                let class = self.t.cell(id::MEMBER_REF, row, 0)?;
                match Coded::MemberRefParent.decode(class) {
                    Some((t @ (id::TYPE_REF | id::TYPE_DEF), r)) => {
                        (t, r, self.t.cell(id::MEMBER_REF, row, 2)?)
                    }
                    _ => return Ok(None),
                }
            }
            _ => return Ok(None),
        };
        // TypeDef and TypeRef both keep the name in column 1 and the namespace in column 2.
        let name = self.strings.bytes(self.t.cell(type_table, type_row, 1)?);
        let ns = self.strings.bytes(self.t.cell(type_table, type_row, 2)?);
        Ok(Some(Ctor {
            namespace: ns,
            name,
            signature: self.blobs.get(sig)?,
        }))
    }

    /// The size of a value type passed by value, for the x86 argument count: an enum's underlying
    /// type, a type with an explicit `StructLayout(Size = ...)`, or a few framework structs whose
    /// marshalled size is fixed; `None` otherwise.
    fn value_type_size(&self, coded: u32) -> Option<u32> {
        let (t, r) = Coded::TypeDefOrRef.decode(coded)?;
        let name = self.strings.bytes(self.t.cell(t, r, 1).ok()?);
        let ns = self.strings.bytes(self.t.cell(t, r, 2).ok()?);
        let known = match (ns, name) {
            (b"System", b"Guid" | b"Decimal") => Some(16),
            (b"System", b"DateTime" | b"Int64" | b"UInt64" | b"Double") => Some(8),
            (b"System", b"IntPtr" | b"UIntPtr" | b"Int32" | b"UInt32" | b"Single" | b"Boolean") => Some(4),
            (b"System", b"Int16" | b"UInt16" | b"Char") => Some(2),
            (b"System", b"Byte" | b"SByte") => Some(1),
            (b"System.Runtime.InteropServices", b"HandleRef") => Some(4),
            _ => None,
        };
        if known.is_some() || t != id::TYPE_DEF {
            return known;
        }
        let extends = self.t.cell(id::TYPE_DEF, r, 3).ok()?;
        if self.is_named(extends, b"System", b"Enum") && self.t.rows(id::FIELD_PTR) == 0 {
            let first = self.t.cell(id::TYPE_DEF, r, 4).ok()?;
            let end = if r < self.t.rows(id::TYPE_DEF) {
                self.t.cell(id::TYPE_DEF, r + 1, 4).ok()?
            } else {
                self.t.rows(id::FIELD) + 1
            };
            for f in first..end.min(self.t.rows(id::FIELD) + 1) {
                // The one instance field (`value__`) holds the underlying type.
                if self.t.cell(id::FIELD, f, 0).ok()? & 0x10 == 0 {
                    let sig = self.blobs.get(self.t.cell(id::FIELD, f, 2).ok()?).ok()?;
                    return sig::field_primitive_size(sig);
                }
            }
            return None;
        }
        (1..=self.t.rows(id::CLASS_LAYOUT))
            .find(|&row| self.t.cell(id::CLASS_LAYOUT, row, 2).ok() == Some(r))
            .and_then(|row| self.t.cell(id::CLASS_LAYOUT, row, 1).ok())
            .filter(|&size| size > 0)
    }

    /// Whether a TypeDefOrRef coded index names `ns.name`.
    fn is_named(&self, coded: u32, ns: &[u8], name: &[u8]) -> bool {
        match Coded::TypeDefOrRef.decode(coded) {
            Some((t @ (id::TYPE_DEF | id::TYPE_REF), r)) => {
                self.t.cell(t, r, 1).map(|i| self.strings.bytes(i)).ok() == Some(name)
                    && self.t.cell(t, r, 2).map(|i| self.strings.bytes(i)).ok() == Some(ns)
            }
            _ => false,
        }
    }

    fn is_system_type(&self, coded: u32) -> bool {
        match Coded::TypeDefOrRef.decode(coded) {
            Some((t @ (id::TYPE_DEF | id::TYPE_REF), r)) => {
                let name = self.t.cell(t, r, 1).map(|i| self.strings.bytes(i));
                let ns = self.t.cell(t, r, 2).map(|i| self.strings.bytes(i));
                matches!((ns, name), (Ok(b"System"), Ok(b"Type")))
            }
            _ => false,
        }
    }

    /// One ImplMap row as an import (`None` when it forwards a field, not a method).
    fn import(
        &self,
        row: u32,
        assembly: &str,
        method_paths: &[(u32, u32)],
        assembly_path: Option<u32>,
    ) -> ReadResult<Option<ScannedImport>> {
        let flags = self.t.cell(id::IMPL_MAP, row, 0)?;
        let Some((table, method)) = Coded::MemberForwarded.decode(self.t.cell(id::IMPL_MAP, row, 1)?) else {
            return Ok(None);
        };
        if table != id::METHOD_DEF {
            return Ok(None);
        }
        let scope = self.t.cell(id::IMPL_MAP, row, 3)?;
        let module = self
            .strings
            .get(self.t.cell(id::MODULE_REF, scope, 0).map_err(|_| {
                Fault::corrupt(format!(
                    "ImplMap row {row} names ModuleRef {scope}, but there are {} ModuleRef rows",
                    self.t.rows(id::MODULE_REF)
                ))
            })?)?;
        let method_name = self
            .strings
            .get(self.t.cell(id::METHOD_DEF, method, 3).map_err(|_| {
                Fault::corrupt(format!(
                    "ImplMap row {row} names method {method}, but there are {} MethodDef rows",
                    self.t.rows(id::METHOD_DEF)
                ))
            })?)?;
        let entry = self.strings.get(self.t.cell(id::IMPL_MAP, row, 2)?)?;
        let mut imp = Import::new(module, if entry.is_empty() { method_name } else { entry });
        imp.exact_spelling = flags & 0x0001 != 0;
        imp.charset = match flags & 0x0006 {
            0x0002 => Charset::Ansi,
            0x0004 => Charset::Unicode,
            0x0006 => Charset::Auto,
            _ => Charset::None,
        };
        imp.set_last_error = flags & 0x0040 != 0;
        imp.calling_convention = match flags & 0x0700 {
            0x0100 => Some(CallingConvention::Winapi),
            0x0200 => Some(CallingConvention::Cdecl),
            0x0300 => Some(CallingConvention::Stdcall),
            0x0400 => Some(CallingConvention::Thiscall),
            0x0500 => Some(CallingConvention::Fastcall),
            _ => None,
        };
        imp.best_fit_mapping = match flags & 0x0030 {
            0x0010 => Some(true),
            0x0020 => Some(false),
            _ => None,
        };
        imp.throw_on_unmappable_char = match flags & 0x3000 {
            0x1000 => Some(true),
            0x2000 => Some(false),
            _ => None,
        };
        let method_path = method_paths
            .binary_search_by_key(&method, |&(m, _)| m)
            .ok()
            .map(|i| method_paths[i].1);
        imp.search_path = method_path.or(assembly_path).map(DllImportSearchPath);
        imp.method = Some(method_name.to_string());
        imp.type_name = Some(self.declaring_type(method)?);
        imp.assembly = Some(assembly.to_string());
        let sig_blob = self.blobs.get(self.t.cell(id::METHOD_DEF, method, 4)?)?;
        let signature = sig::method_signature(sig_blob, &|tok| self.coded_type_name(tok));
        imp.stack_bytes = sig::x86_stack_bytes(sig_blob, &|tok| self.value_type_size(tok));
        Ok(Some(ScannedImport {
            import: imp,
            signature,
        }))
    }
}

/// `CallConvCdecl` from `System.Runtime.CompilerServices.CallConvCdecl, System.Runtime, ...`.
fn simple_type_name(assembly_qualified: &str) -> &str {
    let ty = assembly_qualified.split(',').next().unwrap_or("").trim();
    ty.rsplit(['.', '+']).next().unwrap_or(ty)
}

//! Names of types and methods: which TypeDef owns a method, a type's full name with its nesting
//! (`Namespace.Outer/Nested`), and the names of types referenced from signatures.

use super::assembly::Md;
use super::fault::{Fault, ReadResult};
use super::tables::{id, Coded};

/// How deep type nesting may go before the NestedClass table counts as cyclic.
const MAX_NESTING: usize = 64;

impl Md<'_> {
    /// The TypeDef that owns MethodDef `method`: the last type whose method list starts at or
    /// before it (MethodList is ascending, II.22.37).
    pub(super) fn owner_of(&self, method: u32) -> ReadResult<Option<u32>> {
        let method = self.logical_method(method)?;
        let (mut lo, mut hi) = (1u32, self.t.rows(id::TYPE_DEF) + 1);
        // Invariant: rows < lo start at or before `method`; rows >= hi start after it.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.t.cell(id::TYPE_DEF, mid, 5)? <= method {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok((lo > 1).then_some(lo - 1))
    }

    /// With a MethodPtr table (uncompressed metadata), type method lists index MethodPtr rows.
    fn logical_method(&self, method: u32) -> ReadResult<u32> {
        let n = self.t.rows(id::METHOD_PTR);
        if n == 0 {
            return Ok(method);
        }
        for row in 1..=n {
            if self.t.cell(id::METHOD_PTR, row, 0)? == method {
                return Ok(row);
            }
        }
        Ok(method)
    }

    /// `Namespace.Outer/Nested` of the type declaring `method`.
    pub(super) fn declaring_type(&self, method: u32) -> ReadResult<String> {
        match self.owner_of(method)? {
            Some(t) => self.type_def_name(t),
            None => Ok(String::new()),
        }
    }

    /// `Namespace.Outer/Nested` of a TypeDef.
    fn type_def_name(&self, mut t: u32) -> ReadResult<String> {
        let mut parts = Vec::new();
        for _ in 0..MAX_NESTING {
            let name = self.strings.get(self.t.cell(id::TYPE_DEF, t, 1)?)?;
            let ns = self.strings.get(self.t.cell(id::TYPE_DEF, t, 2)?)?;
            let enclosing = self.enclosing(t)?;
            if ns.is_empty() {
                parts.push(name.to_string());
            } else {
                parts.push(format!("{ns}.{name}"));
            }
            match enclosing {
                Some(e) => t = e,
                None => {
                    parts.reverse();
                    return Ok(parts.join("/"));
                }
            }
        }
        Err(Fault::corrupt(format!(
            "type nesting deeper than {MAX_NESTING} levels (a cycle in the NestedClass table)"
        )))
    }

    fn enclosing(&self, t: u32) -> ReadResult<Option<u32>> {
        let n = self.t.rows(id::NESTED_CLASS);
        if n == 0 {
            return Ok(None);
        }
        if !self.nested_sorted {
            for row in 1..=n {
                if self.t.cell(id::NESTED_CLASS, row, 0)? == t {
                    return Ok(Some(self.t.cell(id::NESTED_CLASS, row, 1)?));
                }
            }
            return Ok(None);
        }
        let (mut lo, mut hi) = (1u32, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let v = self.t.cell(id::NESTED_CLASS, mid, 0)?;
            match v.cmp(&t) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(self.t.cell(id::NESTED_CLASS, mid, 1)?)),
            }
        }
        Ok(None)
    }

    /// The name of a TypeDefOrRefOrSpec token inside a signature.
    pub(super) fn coded_type_name(&self, coded: u32) -> String {
        let name = match Coded::TypeDefOrRef.decode(coded) {
            Some((id::TYPE_DEF, r)) => self.type_def_name(r).ok(),
            Some((id::TYPE_REF, r)) => self.type_ref_name(r).ok(),
            Some((_, _)) => Some("typespec".to_string()),
            None => None,
        };
        name.unwrap_or_else(|| "?".to_string())
    }

    fn type_ref_name(&self, mut r: u32) -> ReadResult<String> {
        let mut parts = Vec::new();
        for _ in 0..MAX_NESTING {
            let name = self.strings.get(self.t.cell(id::TYPE_REF, r, 1)?)?;
            let ns = self.strings.get(self.t.cell(id::TYPE_REF, r, 2)?)?;
            parts.push(if ns.is_empty() {
                name.to_string()
            } else {
                format!("{ns}.{name}")
            });
            match Coded::ResolutionScope.decode(self.t.cell(id::TYPE_REF, r, 0)?) {
                Some((id::TYPE_REF, outer)) => r = outer,
                _ => {
                    parts.reverse();
                    return Ok(parts.join("/"));
                }
            }
        }
        Err(Fault::corrupt(
            "type reference nesting too deep (a cycle in TypeRef)",
        ))
    }

    /// `Type::Method` for messages.
    pub(super) fn method_label(&self, method: u32) -> String {
        let ty = self.declaring_type(method).unwrap_or_default();
        let name = self
            .t
            .cell(id::METHOD_DEF, method, 3)
            .and_then(|i| self.strings.get(i))
            .unwrap_or("?");
        format!("{ty}::{name}")
    }
}

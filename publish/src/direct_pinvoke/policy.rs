//! Which P/Invokes native AOT binds directly, by the rules of ILCompiler's
//! `ConfigurablePInvokePolicy`, with a record of which item or list line decided each.

use super::item::parse_item;
use super::list_file;
use crate::imports::Import;
use aotinterop_model::diag::shown;
use aotinterop_model::diag::{codes, Diagnostic, Error, Location, Result};
pub use aotinterop_model::plan::SourceKind;
use aotinterop_model::{names, DotNet, EntryLookup, Platform, Rid};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// Index of a [`Source`] in a policy.
pub type SourceId = u32;

/// One item or list line, as the user wrote it and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// Item, list line or pre-populated list.
    pub kind: SourceKind,
    /// The trimmed text (`libc`, `kernel32!Sleep`).
    pub text: Box<str>,
    /// Index into the policy's files (the request or list file it came from).
    pub file: u32,
    /// 1-based line in that file (0 when unknown).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
}

/// The items naming one `module!entry`: the first decides, the others are reported with it.
/// (Kept apart so the common single item needs no allocation.)
struct EntryItems {
    first: SourceId,
    more: Vec<SourceId>,
}

#[derive(Default)]
struct ModuleRule {
    /// Set when a bare `module` item covers every entry point.
    whole: Option<SourceId>,
    /// `module!entry` items, by entry point (always case-sensitive).
    entries: FxHashMap<Box<str>, EntryItems>,
    /// The module as first written, for messages.
    spelling: Box<str>,
}

impl ModuleRule {
    /// The entry-point item for `name`, with the spelling as stored.
    fn entry(&self, name: &str) -> Option<(&str, &EntryItems)> {
        self.entries.get_key_value(name).map(|(k, v)| (&**k, v))
    }
}

/// How one import binds, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Bound by the OS loader at startup.
    pub direct: bool,
    /// The native symbol when it is not the entry point as written: the `W`/`A` spelling that
    /// matched on Windows.
    pub spelling: Option<Box<str>>,
    /// What made it direct, if anything (none for `*` and for lazy imports).
    pub source: Option<SourceId>,
    /// Whether `source` is a bare module item (every entry point of the module).
    pub whole_module: bool,
    /// Other items or lines that name the same entry point.
    pub also: Vec<SourceId>,
}

/// The DirectPInvoke configuration of one publish, ready to answer for each import.
pub struct DirectPInvokePolicy {
    rid: Rid,
    dotnet: DotNet,
    platform: Platform,
    modules: FxHashMap<Box<str>, ModuleRule>,
    sources: Vec<Source>,
    files: Vec<PathBuf>,
    warnings: Vec<Diagnostic>,
}

impl DirectPInvokePolicy {
    /// An empty policy for `rid` under the rules of `dotnet`: only DllImport module `*` is direct.
    pub fn new(rid: Rid, dotnet: DotNet) -> Self {
        DirectPInvokePolicy {
            rid,
            dotnet,
            platform: rid.platform(),
            modules: FxHashMap::default(),
            sources: Vec::new(),
            files: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Module names compare case-insensitively for Windows RIDs (`OrdinalIgnoreCase`: the
    /// model's [`names::ordinal_ignore_case`]), and exactly for all others.
    fn key<'a>(&self, module: &'a str) -> Cow<'a, str> {
        if self.platform != Platform::Windows {
            Cow::Borrowed(module)
        } else {
            names::ordinal_ignore_case(module)
        }
    }

    /// The rule of a module. `scratch` holds the uppercased key on Windows, so that deciding many
    /// imports allocates nothing.
    fn rule(&self, module: &str, scratch: &mut String) -> Option<&ModuleRule> {
        if self.platform == Platform::Windows && module.is_ascii() {
            scratch.clear();
            scratch.push_str(module);
            scratch.make_ascii_uppercase();
            self.modules.get(scratch.as_str())
        } else {
            self.modules.get(self.key(module).as_ref())
        }
    }

    fn file_id(&mut self, file: &Path) -> u32 {
        if let Some(i) = self.files.iter().position(|f| f == file) {
            return i as u32;
        }
        self.files.push(file.to_path_buf());
        (self.files.len() - 1) as u32
    }

    /// Adds one item or list line. `file`/`line` say where it was written.
    fn add(&mut self, text: &str, kind: SourceKind, file: u32, line: u32, column: u32) -> Result<()> {
        let item = match parse_item(text) {
            Some(Ok(item)) => item,
            // A list's blank and comment lines are what they look like; an item that reads as
            // one (native AOT parses items as list lines) is a mistake: said, and ignored as there.
            None if kind == SourceKind::Item => {
                let why = if text.trim().is_empty() {
                    "is empty, so it names nothing".to_string()
                } else {
                    format!(
                        "`{}` starts with `#`: native AOT reads it as a comment, so it has no effect",
                        shown(text, 120)
                    )
                };
                let loc = self.location_at(file, line, column);
                let message = format!("DirectPInvoke item {why}");
                self.warnings
                    .push(Diagnostic::warning(codes::ITEM_NEVER_MATCHES, message).at(loc));
                return Ok(());
            }
            None => return Ok(()),
            Some(Err(why)) => {
                let what = match kind {
                    SourceKind::Item => "DirectPInvoke item",
                    _ => "DirectPInvokeList line",
                };
                let loc = self.location_at(file, line, column);
                self.warnings
                    .push(Diagnostic::warning(codes::ITEM_NEVER_MATCHES, format!("{what} {why}")).at(loc));
                return Ok(());
            }
        };
        let id = self.sources.len() as SourceId;
        let text: Box<str> = item.text.into();
        self.sources.push(Source {
            kind,
            text,
            file,
            line,
            column,
        });
        let key = self.key(item.module).into_owned().into_boxed_str();
        let user = matches!(kind, SourceKind::Item | SourceKind::List);
        let rule = self.modules.entry(key).or_insert_with(|| ModuleRule {
            spelling: item.module.into(),
            ..ModuleRule::default()
        });
        let mut redundant: Option<SourceId> = None;
        match item.entry {
            None => {
                // A bare module covers every entry point, whatever `module!x` lines also say.
                if let Some(prev) = rule.whole {
                    redundant = Some(prev);
                } else {
                    rule.whole = Some(id);
                }
            }
            Some(entry) => {
                // Kept under a whole-module item too: it names the entry point as well (it is
                // reported with the import, never as matching nothing).
                match rule.entries.get_mut(entry) {
                    Some(items) => {
                        redundant = Some(items.first);
                        items.more.push(id);
                    }
                    None => {
                        let items = EntryItems {
                            first: id,
                            more: Vec::new(),
                        };
                        rule.entries.insert(entry.into(), items);
                    }
                }
                if let Some(prev) = rule.whole {
                    redundant = Some(prev);
                }
            }
        }
        if let Some(prev) = redundant.filter(|_| user) {
            let prev_src = &self.sources[prev as usize];
            if matches!(prev_src.kind, SourceKind::Item | SourceKind::List) {
                let src = &self.sources[id as usize];
                let msg = if prev_src.text == src.text || item.entry.is_some() == prev_src.text.contains('!')
                {
                    format!(
                        "`{}` is given more than once (also at {})",
                        shown(&src.text, 120),
                        self.location_at(prev_src.file, prev_src.line, prev_src.column)
                    )
                } else {
                    format!(
                        "`{}` is redundant: `{}` ({}) already makes every entry point of `{}` direct",
                        shown(&src.text, 120),
                        shown(&prev_src.text, 120),
                        self.location_at(prev_src.file, prev_src.line, prev_src.column),
                        shown(item.module, 120)
                    )
                };
                let loc = self.location_at(file, line, column);
                self.warnings
                    .push(Diagnostic::warning(codes::ITEM_DUPLICATE, msg).at(loc));
            }
        }
        Ok(())
    }

    /// Adds a `DirectPInvoke` item written at `location` (file and line of the request).
    pub fn add_item(&mut self, text: &str, location: &Location) -> Result<()> {
        let file = self.file_id(&location.file);
        self.add(
            text,
            SourceKind::Item,
            file,
            location.line.unwrap_or(0),
            location.column.unwrap_or(0),
        )
    }

    /// Adds every line of a list file already read into `text` (lines as .NET's `ReadLine`
    /// splits them: at `\n`, `\r\n` or a lone `\r`).
    pub fn add_list_text(&mut self, path: &Path, text: &str, kind: SourceKind) -> Result<()> {
        let file = self.file_id(path);
        for (n, line) in list_file::lines(text).enumerate() {
            self.add(line, kind, file, n as u32 + 1, 0)?;
        }
        Ok(())
    }

    /// Reads and adds a `DirectPInvokeList` file.
    pub fn add_list_file(&mut self, path: &Path) -> Result<()> {
        if path.is_dir() {
            return Err(Error::new(
                codes::FILE_UNREADABLE,
                "cannot read DirectPInvokeList file: it is a directory",
            )
            .at(Location::file(path)));
        }
        let (text, warning) = list_file::read(path, "DirectPInvokeList file")?;
        self.warnings.extend(warning);
        self.add_list_text(path, &text, SourceKind::List)
    }

    /// Adds aotinterop's built-in Windows API list.
    pub fn add_builtin_windows_list(&mut self, origin: &Path) -> Result<()> {
        let file = self.file_id(origin);
        for entry in super::builtin_windows_list::BUILTIN_WINDOWS_APIS {
            self.add(entry, SourceKind::BuiltinWindowsList, file, 0, 0)?;
        }
        Ok(())
    }

    /// Adds the DirectPInvoke items the SDK's native AOT targets add by themselves
    /// (`sdk_defaults`), as written in `targets`.
    pub fn add_sdk_defaults(&mut self, targets: &Path, items: &[String]) -> Result<()> {
        let file = self.file_id(targets);
        for item in items {
            self.add(item, SourceKind::SdkDefault, file, 0, 0)?;
        }
        Ok(())
    }

    /// Decides how `import` binds.
    pub fn decide(&self, import: &Import) -> Decision {
        self.decider().decide(import)
    }

    /// A `Decider`, for deciding many imports.
    pub fn decider(&self) -> Decider<'_> {
        Decider {
            policy: self,
            modules: FxHashMap::default(),
            scratch: String::new(),
        }
    }

    /// How a DllImport module binds before its entry point is looked at: `*` (or a variation
    /// that is `*`) is always direct, else the rules of its variations, in the order tried.
    fn rules_of(&self, module: &str, scratch: &mut String) -> ModuleRules<'_> {
        let variations = self.module_variations(module);
        if variations.iter().any(|v| v == "*") {
            return ModuleRules::Star;
        }
        ModuleRules::Rules(variations.iter().filter_map(|v| self.rule(v, scratch)).collect())
    }

    /// The names a DllImport module is matched under (the model's [`names::module_variations`]
    /// for this RID and .NET version).
    pub fn module_variations<'a>(&self, module: &'a str) -> Vec<Cow<'a, str>> {
        names::module_variations(module, self.rid, self.dotnet)
    }

    /// Every item and list line, by [`SourceId`].
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The file a source came from.
    pub fn file(&self, source: &Source) -> &Path {
        &self.files[source.file as usize]
    }

    /// Where a source was written.
    pub fn location(&self, id: SourceId) -> Location {
        let s = &self.sources[id as usize];
        self.location_at(s.file, s.line, s.column)
    }

    fn location_at(&self, file: u32, line: u32, column: u32) -> Location {
        let mut loc = self.location_of(file, line);
        if line > 0 && column > 0 {
            loc.column = Some(column);
        }
        loc
    }

    fn location_of(&self, file: u32, line: u32) -> Location {
        let path = self.files[file as usize].clone();
        if line == 0 {
            Location::file(path)
        } else {
            Location::line(path, line)
        }
    }

    /// The module as first written in the items, for an item key.
    pub fn module_spelling(&self, module: &str) -> Option<&str> {
        self.modules.get(self.key(module).as_ref()).map(|r| &*r.spelling)
    }

    /// The platform whose comparison rules apply.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// Warnings found while adding items (duplicates, redundant items).
    pub fn take_warnings(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.warnings)
    }
}

/// What a DllImport module's name alone says.
#[derive(Clone)]
enum ModuleRules<'p> {
    /// `*`: always a direct call.
    Star,
    /// The rules of the items naming one of its variations, in the order tried.
    Rules(Box<[&'p ModuleRule]>),
}

/// Decides many imports against one policy, looking each DllImport module's rules up once.
pub struct Decider<'p> {
    policy: &'p DirectPInvokePolicy,
    /// The rules of each module as written in the imports seen so far.
    modules: FxHashMap<Box<str>, ModuleRules<'p>>,
    /// Room for lookup keys, reused.
    scratch: String,
}

impl Decider<'_> {
    /// Decides how `import` binds.
    pub fn decide(&mut self, import: &Import) -> Decision {
        let lazy = || Decision {
            direct: false,
            spelling: None,
            source: None,
            whole_module: false,
            also: Vec::new(),
        };
        let policy = self.policy;
        let rules = match self.modules.get(import.module.as_str()) {
            Some(rules) => rules.clone(),
            None => {
                let rules = policy.rules_of(&import.module, &mut self.scratch);
                self.modules.insert(import.module.as_str().into(), rules.clone());
                rules
            }
        };
        // DllImport module `*` is always a direct call.
        let rules = match rules {
            ModuleRules::Star => {
                return Decision {
                    direct: true,
                    ..lazy()
                }
            }
            ModuleRules::Rules(rules) => rules,
        };
        // The first variation that matches decides, as in native AOT; the items of the later
        // ones that match too are reported with it (they were said to match nothing).
        let mut decided: Option<Decision> = None;
        for rule in rules.iter().copied() {
            let name = import.entry.as_str();
            let lookup = EntryLookup::of(import.charset, import.exact_spelling, policy.platform);
            let found = lookup.suffixes().iter().find_map(|suffix| match suffix {
                None => rule.entry(name),
                Some(c) => {
                    self.scratch.clear();
                    self.scratch.push_str(name);
                    self.scratch.push(*c);
                    rule.entry(&self.scratch)
                }
            });
            let entry_items =
                found.map(|(_, items)| std::iter::once(items.first).chain(items.more.iter().copied()));
            if let Some(d) = &mut decided {
                for id in rule.whole.into_iter().chain(entry_items.into_iter().flatten()) {
                    if d.source != Some(id) && !d.also.contains(&id) {
                        d.also.push(id);
                    }
                }
                continue;
            }
            // A whole-module item decides, as in native AOT; the entry items and lines that
            // name the entry point too are reported with it (they match it as well).
            if let Some(whole) = rule.whole {
                decided = Some(Decision {
                    direct: true,
                    spelling: None,
                    source: Some(whole),
                    whole_module: true,
                    also: entry_items.into_iter().flatten().collect(),
                });
            } else if let Some((symbol, items)) = found {
                decided = Some(Decision {
                    direct: true,
                    spelling: (symbol != name).then(|| symbol.into()),
                    source: Some(items.first),
                    whole_module: false,
                    also: items.more.clone(),
                });
            }
        }
        decided.unwrap_or_else(lazy)
    }
}

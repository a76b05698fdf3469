//! YAML → JSON value tree, and the line/column of JSON pointers in a YAML (or JSON) text.
//!
//! Both walk the events of `saphyr-parser` (a pure-Rust YAML 1.2 parser that gives every
//! event its position) with an explicit stack, so a hostile document cannot overflow the
//! call stack: nesting is capped at [`MAX_DEPTH`], alias expansion at [`MAX_ALIAS_NODES`]
//! nodes. Plain scalars are resolved with the YAML 1.2 core schema (`yes` is a string);
//! `<<` merge keys are applied. Positions are only looked up when there are errors to
//! report, by a second pass ([`locate`]) that keeps nothing but the wanted pointers.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};
use serde_json::{Map, Value};

use super::error::ImportError;
use super::loc::{escape, push_escaped};
use super::scalar::{resolve_plain, resolve_tagged};
use super::{MAX_DEPTH, MAX_ERRORS};

/// Most nodes that anchors (`&name`, each keeps a copy) and aliases (`*name`, each
/// expands to one) may copy in one document: stops "billion laughs" documents.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// A 1-based (line, column) position.
pub(crate) type Position = (usize, usize);

fn position(mark: &Marker) -> Position {
    (mark.line(), mark.col() + 1)
}

/// Parses a YAML text (one document) into a JSON value. Errors carry their position.
pub(crate) fn load(text: &str) -> Result<Value, Vec<ImportError>> {
    // The parser is third-party code fed untrusted input: a panic in it must not take the
    // caller down with it.
    catch_unwind(AssertUnwindSafe(|| Loader::default().run(text))).unwrap_or_else(|_| {
        Err(vec![ImportError::new("", "the YAML parser failed on this document; check its syntax")])
    })
}

/// A stored anchor (`&name`): its value, nesting height and node count.
struct Anchor {
    value: Value,
    height: usize,
    nodes: usize,
}

/// What a mapping does with the key it just read.
enum KeyKind {
    /// An ordinary key.
    Normal,
    /// A key seen before in this mapping: the value is dropped (the error is reported).
    Duplicate,
    /// `<<`: the value is merged in when the mapping ends.
    Merge,
}

/// A mapping key waiting for its value.
struct Key {
    name: String,
    kind: KeyKind,
}

/// A collection being built. `inner` is the largest height of its items, `nodes` counts them.
enum Frame {
    Seq { items: Vec<Value>, anchor: usize, inner: usize, nodes: usize },
    Map { map: Map<String, Value>, key: Option<Key>, merge: Option<Value>, anchor: usize, inner: usize, nodes: usize },
}

#[derive(Default)]
struct Loader {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    copied_nodes: usize,
    documents: usize,
    root: Option<Value>,
    errors: Vec<ImportError>,
}

impl Loader {
    fn run(mut self, text: &str) -> Result<Value, Vec<ImportError>> {
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let step = match next {
                Err(error) => Err(syntax_error(&error)),
                Ok((event, span)) => self.event(event, span.start),
            };
            match step {
                Ok(true) => {}
                Ok(false) => break,
                Err(error) => {
                    self.errors.push(error);
                    return Err(self.errors);
                }
            }
            if self.errors.len() >= MAX_ERRORS {
                break;
            }
        }
        if self.errors.is_empty() { Ok(self.root.unwrap_or(Value::Null)) } else { Err(self.errors) }
    }

    /// Handles one event; `Ok(false)` at the end of the stream.
    fn event(&mut self, event: Event<'_>, mark: Marker) -> Result<bool, ImportError> {
        match event {
            Event::StreamEnd => return Ok(false),
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.fail(mark, "the file holds more than one YAML document (`---`); keep only one"));
                }
            }
            Event::Scalar(text, style, anchor, tag) => self.scalar(text, style, anchor, tag.as_deref(), mark)?,
            Event::Alias(id) => self.alias(id, mark)?,
            Event::SequenceStart(anchor, _) => {
                self.open(mark)?;
                self.stack.push(Frame::Seq { items: Vec::new(), anchor, inner: 0, nodes: 0 });
            }
            Event::MappingStart(anchor, _) => {
                self.open(mark)?;
                self.stack.push(Frame::Map { map: Map::new(), key: None, merge: None, anchor, inner: 0, nodes: 0 });
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(mark)?,
        }
        Ok(true)
    }

    /// Whether the next node is a mapping key.
    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Checks that a collection may start here.
    fn open(&self, mark: Marker) -> Result<(), ImportError> {
        if self.expecting_key() {
            return Err(self.fail(mark, "complex mapping keys (`? [a, b]`) are not supported"));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.fail(mark, format!("the document is nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        mark: Marker,
    ) -> Result<(), ImportError> {
        if self.expecting_key() {
            let merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
            if anchor != 0 {
                self.anchors.insert(anchor, Anchor { value: Value::String(text.to_string()), height: 0, nodes: 1 });
            }
            return self.key(text.into_owned(), merge, mark);
        }
        let value = match tag {
            Some(tag) => resolve_tagged(&text, style, tag),
            None if style == ScalarStyle::Plain => resolve_plain(&text),
            None => Value::String(text.into_owned()),
        };
        self.insert(value, 0, 1, anchor, mark)
    }

    fn key(&mut self, name: String, merge: bool, mark: Marker) -> Result<(), ImportError> {
        let duplicate = match self.stack.last() {
            Some(Frame::Map { map, merge: merged, .. }) => {
                if merge {
                    merged.is_some()
                } else {
                    map.contains_key(&name)
                }
            }
            _ => return Err(self.fail(mark, "internal error: a key outside a mapping")),
        };
        if duplicate {
            let mut pointer = self.pointer();
            pointer.push('/');
            push_escaped(&mut pointer, &name);
            let (line, column) = position(&mark);
            self.errors.push(ImportError::at(pointer, line, column, format!("duplicate key `{name}` in this mapping")));
        }
        let kind = match (duplicate, merge) {
            (true, _) => KeyKind::Duplicate,
            (false, true) => KeyKind::Merge,
            (false, false) => KeyKind::Normal,
        };
        if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
            *key = Some(Key { name, kind });
        }
        Ok(())
    }

    fn alias(&mut self, id: usize, mark: Marker) -> Result<(), ImportError> {
        let Some(anchor) = self.anchors.get(&id) else {
            return Err(self.fail(mark, "an alias (`*name`) refers to an unknown anchor"));
        };
        if self.expecting_key() {
            let name = match &anchor.value {
                Value::String(text) => text.clone(),
                Value::Number(_) | Value::Bool(_) => anchor.value.to_string(),
                _ => return Err(self.fail(mark, "an alias used as a mapping key must name a scalar")),
            };
            return self.key(name, false, mark);
        }
        if self.stack.len() + anchor.height > MAX_DEPTH {
            return Err(
                self.fail(mark, format!("through aliases, the document is nested more than {MAX_DEPTH} levels deep"))
            );
        }
        let (height, nodes) = (anchor.height, anchor.nodes);
        self.copy(nodes, mark)?;
        let value = self.anchors.get(&id).map(|anchor| anchor.value.clone()).unwrap_or_default();
        self.insert(value, height, nodes, 0, mark)
    }

    fn close(&mut self, mark: Marker) -> Result<(), ImportError> {
        let invalid_merge = matches!(
            self.stack.last(),
            Some(Frame::Map { merge: Some(merge), .. }) if !is_mergeable(merge)
        );
        if invalid_merge {
            let pointer = format!("{}/<<", self.pointer());
            let (line, column) = position(&mark);
            self.errors.push(ImportError::at(
                pointer,
                line,
                column,
                "a `<<` merge needs a mapping or a list of mappings",
            ));
        }
        match self.stack.pop() {
            Some(Frame::Seq { items, anchor, inner, nodes }) => {
                self.insert(Value::Array(items), inner + 1, nodes + 1, anchor, mark)
            }
            Some(Frame::Map { mut map, merge, anchor, inner, nodes, .. }) => {
                if let Some(merge) = merge {
                    apply_merge(&mut map, merge);
                }
                self.insert(Value::Object(map), inner + 1, nodes + 1, anchor, mark)
            }
            None => Err(self.fail(mark, "internal error: unbalanced collection end")),
        }
    }

    /// Counts `nodes` more copied nodes against [`MAX_ALIAS_NODES`].
    fn copy(&mut self, nodes: usize, mark: Marker) -> Result<(), ImportError> {
        self.copied_nodes = self.copied_nodes.saturating_add(nodes);
        if self.copied_nodes > MAX_ALIAS_NODES {
            return Err(self.fail(mark, format!("anchors and aliases copy more than {MAX_ALIAS_NODES} nodes")));
        }
        Ok(())
    }

    /// Puts a finished node into its parent (or makes it the root).
    fn insert(
        &mut self,
        value: Value,
        height: usize,
        nodes: usize,
        anchor: usize,
        mark: Marker,
    ) -> Result<(), ImportError> {
        if anchor != 0 {
            self.copy(nodes, mark)?;
            self.anchors.insert(anchor, Anchor { value: value.clone(), height, nodes });
        }
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq { items, inner, nodes: count, .. }) => {
                items.push(value);
                *inner = (*inner).max(height);
                *count += nodes;
            }
            Some(Frame::Map { map, key, merge, inner, nodes: count, .. }) => {
                *inner = (*inner).max(height);
                *count += nodes;
                match key.take() {
                    Some(Key { name, kind: KeyKind::Normal }) => {
                        map.insert(name, value);
                    }
                    Some(Key { kind: KeyKind::Merge, .. }) => *merge = Some(value),
                    Some(Key { kind: KeyKind::Duplicate, .. }) | None => {}
                }
            }
        }
        Ok(())
    }

    /// The pointer of the node being read (the parent's pointer for a mapping key).
    fn pointer(&self) -> String {
        let mut out = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Seq { items, .. } => {
                    out.push('/');
                    out.push_str(&items.len().to_string());
                }
                Frame::Map { key: Some(key), .. } => {
                    out.push('/');
                    push_escaped(&mut out, &key.name);
                }
                Frame::Map { key: None, .. } => {}
            }
        }
        out
    }

    fn fail(&self, mark: Marker, message: impl Into<String>) -> ImportError {
        let (line, column) = position(&mark);
        ImportError::at(self.pointer(), line, column, message)
    }
}

fn is_mergeable(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().all(Value::is_object),
        _ => false,
    }
}

/// Adds the members of a `<<` value that the mapping does not set itself (earlier
/// mappings of a list win over later ones).
fn apply_merge(map: &mut Map<String, Value>, merge: Value) {
    let sources = match merge {
        Value::Object(source) => vec![source],
        Value::Array(items) => items.into_iter().filter_map(|item| item.as_object().cloned()).collect(),
        _ => Vec::new(),
    };
    for source in sources {
        for (key, value) in source {
            map.entry(key).or_insert(value);
        }
    }
}

fn syntax_error(error: &ScanError) -> ImportError {
    let (line, column) = position(error.marker());
    let message = if error.info() == "recursion limit exceeded" {
        // The scanner's own limit on flow nesting (`[[[…`), which it may reach before ours.
        format!("the document is nested more than {MAX_DEPTH} levels deep")
    } else {
        format!("YAML syntax error: {}", error.info())
    };
    ImportError::at("", line, column, message)
}

/// The positions of the wanted pointers in a YAML or JSON text: for an object member the
/// position of its key, for an array item or the root the start of the node. Pointers
/// that are not in the text (or lie under an alias) are left out.
pub(crate) fn locate(text: &str, wanted: &HashSet<String>) -> HashMap<String, Position> {
    catch_unwind(AssertUnwindSafe(|| locate_in(text, wanted))).unwrap_or_default()
}

/// A collection the locator is inside.
struct Place {
    /// Length of the current pointer that names this collection.
    base: usize,
    is_map: bool,
    next_index: usize,
    expecting_key: bool,
}

fn locate_in(text: &str, wanted: &HashSet<String>) -> HashMap<String, Position> {
    let mut found = HashMap::new();
    let mut current = String::new();
    let mut places: Vec<Place> = Vec::new();
    let mut documents = 0;
    let mut parser = Parser::new_from_str(text);
    while let Some(Ok((event, span))) = parser.next_event() {
        let opens = match &event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    break;
                }
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                places.pop();
                continue;
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => true,
            Event::Scalar(..) | Event::Alias(_) => false,
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => continue,
        };
        let mut record = |pointer: &str| {
            if wanted.contains(pointer) && !found.contains_key(pointer) {
                found.insert(pointer.to_owned(), position(&span.start));
            }
        };
        match places.last_mut() {
            None => {
                current.clear();
                record("");
            }
            Some(place) if place.is_map && place.expecting_key => {
                let Event::Scalar(key, ..) = &event else { break };
                current.truncate(place.base);
                current.push('/');
                current.push_str(&escape(key));
                record(&current);
                place.expecting_key = false;
                continue;
            }
            Some(place) if place.is_map => place.expecting_key = true,
            Some(place) => {
                current.truncate(place.base);
                current.push('/');
                current.push_str(&place.next_index.to_string());
                place.next_index += 1;
                record(&current);
            }
        }
        if opens {
            let is_map = matches!(event, Event::MappingStart(..));
            places.push(Place { base: current.len(), is_map, next_index: 0, expecting_key: true });
        }
        if found.len() == wanted.len() {
            break;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn errors(text: &str) -> Vec<(String, Option<u32>, Option<u32>, String)> {
        load(text).err().unwrap_or_default().into_iter().map(|e| (e.pointer, e.line, e.column, e.message)).collect()
    }

    #[test]
    fn values_follow_json() {
        let text = "a: 1\nb: [x, 'y', \"2\", 2.5, ~, true, yes]\nc:\n  d: |\n    two\n    lines\n  e: {f: null}\n'200': {}\n404: x\n";
        assert_eq!(
            load(text).ok(),
            Some(json!({
                "a": 1,
                "b": ["x", "y", "2", 2.5, null, true, "yes"],
                "c": {"d": "two\nlines\n", "e": {"f": null}},
                "200": {},
                "404": "x"
            }))
        );
        assert_eq!(load("").ok(), Some(Value::Null));
        assert_eq!(load("# only a comment\n").ok(), Some(Value::Null));
        assert_eq!(load("{\"a\": [1, {\"b\": \"\\u00e9\"}]}").ok(), Some(json!({"a": [1, {"b": "é"}]})));
    }

    #[test]
    fn anchors_aliases_and_merges() {
        let text = "base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\nlist: &l [1, 2]\nagain: *l\n";
        assert_eq!(
            load(text).ok(),
            Some(json!({
                "base": {"x": 1, "y": 2},
                "use": {"x": 1, "y": 2},
                "merged": {"x": 1, "y": 3},
                "list": [1, 2],
                "again": [1, 2]
            }))
        );
        assert_eq!(
            errors("a: {<<: 3}\n"),
            vec![(
                "/a/<<".to_owned(),
                Some(1),
                Some(10),
                "a `<<` merge needs a mapping or a list of mappings".to_owned()
            )]
        );
    }

    #[test]
    fn errors_name_their_position() {
        assert_eq!(
            errors("a:\n  b: 1\n  c: 2\n  b: 3\n"),
            vec![("/a/b".to_owned(), Some(4), Some(3), "duplicate key `b` in this mapping".to_owned())]
        );
        let syntax = errors("a: [1, 2\nb: 3\n");
        assert_eq!(syntax.len(), 1);
        assert!(syntax[0].3.starts_with("YAML syntax error"), "{syntax:?}");
        assert!(syntax[0].1.is_some());
        let two = errors("a: 1\n---\nb: 2\n");
        assert_eq!(two[0].1, Some(2));
        assert!(two[0].3.contains("more than one YAML document"));
        assert!(errors("? [a, b]\n: c\n")[0].3.contains("complex mapping keys"));
    }

    #[test]
    fn hostile_documents_are_refused() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let refused = errors(&deep);
        assert!(refused[0].3.contains("nested more than 128 levels"), "{refused:?}");
        let deep_map = (0..200).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect::<String>();
        assert!(errors(&deep_map)[0].3.contains("nested more than"));
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let prev = format!("*a{}", i - 1);
            laughs.push_str(&format!("a{i}: &a{i} [{}]\n", vec![prev; 10].join(", ")));
        }
        let refused = errors(&laughs);
        assert!(refused[0].3.contains("anchors and aliases copy more than"), "{refused:?}");
        assert!(load("a: &a [[[[1]]]]\nb: &b [*a, *a]\n").is_ok());
        let mut nested_anchors = String::new();
        for i in 0..100 {
            nested_anchors.push_str(&format!("{}a{i}: &a{i}\n", "  ".repeat(i)));
        }
        nested_anchors.push_str(&format!("{}big: [{}]\n", "  ".repeat(100), vec!["1"; 20_000].join(", ")));
        let refused = errors(&nested_anchors);
        assert!(refused[0].3.contains("anchors and aliases copy more than"), "{refused:?}");
    }

    #[test]
    fn positions_of_keys_and_items() {
        let text = "openapi: 3.0.3\npaths:\n  /pets/{petId}:\n    get:\n      parameters:\n        - name: a\n          in: query\n        - $ref: '#/x'\n      responses: {}\nlist: [a, {b: 1}]\n";
        let wanted: HashSet<String> = [
            "",
            "/paths/~1pets~1{petId}/get/responses",
            "/paths/~1pets~1{petId}/get/parameters/1",
            "/paths/~1pets~1{petId}/get/parameters/0/in",
            "/paths/~1pets~1{petId}/get/parameters/1/$ref",
            "/list/1/b",
            "/missing",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        let found = locate(text, &wanted);
        let at = |pointer: &str| found.get(pointer).copied();
        assert_eq!(at(""), Some((1, 1)));
        assert_eq!(at("/paths/~1pets~1{petId}/get/responses"), Some((9, 7)));
        assert_eq!(at("/paths/~1pets~1{petId}/get/parameters/1"), Some((8, 11)));
        assert_eq!(at("/paths/~1pets~1{petId}/get/parameters/0/in"), Some((7, 11)));
        assert_eq!(at("/paths/~1pets~1{petId}/get/parameters/1/$ref"), Some((8, 11)));
        assert_eq!(at("/list/1/b"), Some((10, 12)));
        assert_eq!(at("/missing"), None);
        let json = "{\n  \"a\": {\n    \"b\": [1,\n      2]\n  }\n}";
        let wanted = ["/a/b/1".to_owned()].into_iter().collect();
        assert_eq!(locate(json, &wanted).get("/a/b/1"), Some(&(4, 7)));
    }
}

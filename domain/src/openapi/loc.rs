//! Where the importer is in the document: a JSON pointer built as a chain of borrowed
//! segments on the stack, so walking costs no allocation and the pointer string is only
//! made when an error is reported.

/// One step of a [`Loc`].
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    /// An already escaped pointer ("" for the document root).
    Base(&'a str),
    /// An object member.
    Key(&'a str),
    /// An array item.
    Index(usize),
}

/// A position in the document as a JSON pointer under construction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Loc<'a> {
    parent: Option<&'a Loc<'a>>,
    seg: Seg<'a>,
}

impl Loc<'static> {
    /// The document root (pointer "").
    pub(crate) fn root() -> Self {
        Loc { parent: None, seg: Seg::Base("") }
    }
}

impl<'a> Loc<'a> {
    /// The value at an already escaped pointer (e.g. the target of a `$ref`).
    pub(crate) fn at(pointer: &'a str) -> Self {
        Loc { parent: None, seg: Seg::Base(pointer) }
    }

    /// The member `key` of the object here.
    pub(crate) fn key<'b>(&'b self, key: &'b str) -> Loc<'b> {
        Loc { parent: Some(self), seg: Seg::Key(key) }
    }

    /// The item `index` of the array here.
    pub(crate) fn index(&self, index: usize) -> Loc<'_> {
        Loc { parent: Some(self), seg: Seg::Index(index) }
    }

    /// The JSON pointer (RFC 6901) of this place.
    pub(crate) fn pointer(&self) -> String {
        let mut segs = Vec::new();
        let mut here = Some(self);
        while let Some(loc) = here {
            segs.push(loc.seg);
            here = loc.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Base(base) => out.push_str(base),
                Seg::Key(key) => {
                    out.push('/');
                    push_escaped(&mut out, key);
                }
                Seg::Index(index) => {
                    out.push('/');
                    out.push_str(&index.to_string());
                }
            }
        }
        out
    }
}

/// Appends `segment` escaped for a JSON pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn push_escaped(out: &mut String, segment: &str) {
    for c in segment.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// `segment` escaped for a JSON pointer.
pub(crate) fn escape(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    push_escaped(&mut out, segment);
    out
}

/// The pointer of `pointer`'s parent (`/a/b` → `/a`; "" has none).
pub(crate) fn parent(pointer: &str) -> Option<&str> {
    pointer.rfind('/').map(|at| &pointer[..at])
}

/// Decodes the `%XX` escapes of a URI fragment (`#/paths/~1a%7Bb%7D`); `None` when they do
/// not make UTF-8 text.
pub(crate) fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_are_escaped() {
        let root = Loc::root();
        let paths = root.key("paths");
        let path = paths.key("/pets/{petId}");
        let get = path.key("get");
        let params = get.key("parameters");
        assert_eq!(params.index(2).pointer(), "/paths/~1pets~1{petId}/get/parameters/2");
        assert_eq!(root.pointer(), "");
        let base = Loc::at("/components/parameters/a~1b");
        assert_eq!(base.key("in").pointer(), "/components/parameters/a~1b/in");
        assert_eq!(escape("a~/b"), "a~0~1b");
    }

    #[test]
    fn parents_and_percent_decoding() {
        assert_eq!(parent("/a/b"), Some("/a"));
        assert_eq!(parent("/a"), Some(""));
        assert_eq!(parent(""), None);
        assert_eq!(percent_decode("/a%7Bb%7D").as_deref(), Some("/a{b}"));
        assert_eq!(percent_decode("/a%zz"), None);
        assert_eq!(percent_decode("/a%7"), None);
    }
}

//! A minimal JSON writer for the tree: arrays of flat objects with string, number, null and
//! list fields. Enough for this output, and no dependency in the wasm module.

use std::fmt::Write;

/// Builds one JSON document; commas are inserted by tracking whether a container is empty.
pub(crate) struct JsonWriter {
    out: String,
    /// One flag per open container: true until its first element is written.
    first: Vec<bool>,
}

impl JsonWriter {
    pub(crate) fn new() -> Self {
        JsonWriter {
            out: String::new(),
            first: Vec::new(),
        }
    }

    fn separator(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.out.push(',');
            }
            *first = false;
        }
    }

    pub(crate) fn begin_array(&mut self) {
        self.separator();
        self.out.push('[');
        self.first.push(true);
    }

    pub(crate) fn end_array(&mut self) {
        self.first.pop();
        self.out.push_str("]\n");
    }

    pub(crate) fn begin_object(&mut self) {
        self.separator();
        // One entry per line keeps the output readable and easy to grep.
        self.out.push_str("\n{");
        self.first.push(true);
    }

    pub(crate) fn end_object(&mut self) {
        self.first.pop();
        self.out.push('}');
    }

    fn key(&mut self, key: &str) {
        self.separator();
        self.string(key);
        self.out.push(':');
    }

    /// Writes `s` as a JSON string: quotes, backslashes and control characters escaped.
    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                '\r' => self.out.push_str("\\r"),
                '\t' => self.out.push_str("\\t"),
                c if u32::from(c) < 0x20 => {
                    let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    pub(crate) fn field_str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.string(value);
    }

    pub(crate) fn field_u64(&mut self, key: &str, value: u64) {
        self.key(key);
        let _ = write!(self.out, "{value}");
    }

    pub(crate) fn field_null(&mut self, key: &str) {
        self.key(key);
        self.out.push_str("null");
    }

    pub(crate) fn field_u64_list(&mut self, key: &str, values: &[u64]) {
        self.key(key);
        self.out.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let _ = write!(self.out, "{v}");
        }
        self.out.push(']');
    }

    pub(crate) fn field_str_list(&mut self, key: &str, values: &[&str]) {
        self.key(key);
        self.out.push('[');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.string(v);
        }
        self.out.push(']');
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_separates() {
        let mut w = JsonWriter::new();
        w.begin_array();
        w.begin_object();
        w.field_str("a\"b", "x\\y\n\u{1}é");
        w.field_u64("n", 7);
        w.field_null("z");
        w.end_object();
        w.begin_object();
        w.field_u64_list("l", &[1, 2]);
        w.field_str_list("s", &["p", "q"]);
        w.end_object();
        w.end_array();
        assert_eq!(
            w.finish(),
            "[\n{\"a\\\"b\":\"x\\\\y\\n\\u0001é\",\"n\":7,\"z\":null},\n{\"l\":[1,2],\"s\":[\"p\",\"q\"]}]\n"
        );
    }
}

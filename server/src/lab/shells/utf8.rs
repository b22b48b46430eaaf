//! Terminal output as text: bytes from a node arrive in reads of any size, so a multi-byte
//! UTF-8 character may be split between two reads. [`Utf8Chunker`] keeps such a tail until
//! the rest arrives, so no chunk a client sees ends in half a character (the Go server turns
//! those into U+FFFD). Bytes that are not UTF-8 at all become U+FFFD, each invalid sequence
//! once.

/// Turns a byte stream into text chunks without splitting characters.
#[derive(Debug, Default)]
pub(super) struct Utf8Chunker {
    /// The start of a character whose remaining bytes have not arrived (at most 3 bytes).
    carry: Vec<u8>,
}

/// The largest chunk sent as one message; longer reads are cut at a character boundary.
pub(super) const MAX_CHUNK: usize = 16 * 1024;

impl Utf8Chunker {
    /// The text of `bytes` (after what was carried), in chunks of at most [`MAX_CHUNK`]
    /// bytes; an incomplete character at the end is kept for the next call.
    pub(super) fn push(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(bytes);
        let mut text = String::with_capacity(input.len());
        let mut rest = input.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(valid) => {
                    text.push_str(valid);
                    break;
                }
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    // Valid by construction: `valid_up_to` says so.
                    text.push_str(std::str::from_utf8(valid).unwrap_or_default());
                    match error.error_len() {
                        // The input ends inside a character: keep its start.
                        None => {
                            self.carry = after.to_vec();
                            break;
                        }
                        Some(len) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            rest = after.get(len..).unwrap_or_default();
                        }
                    }
                }
            }
        }
        split(text)
    }

    /// What is left when the stream ends: an incomplete character, as U+FFFD.
    pub(super) fn finish(&mut self) -> Option<String> {
        (!self.carry.is_empty()).then(|| {
            self.carry.clear();
            char::REPLACEMENT_CHARACTER.to_string()
        })
    }
}

/// Cuts a text into chunks of at most [`MAX_CHUNK`] bytes at character boundaries.
fn split(text: String) -> Vec<String> {
    if text.len() <= MAX_CHUNK {
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![text]
        };
    }
    let mut chunks = Vec::with_capacity(text.len() / MAX_CHUNK + 1);
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let end = rest.floor_char_boundary(MAX_CHUNK.min(rest.len()));
        // A character is at most 4 bytes, so `end` is never 0 for MAX_CHUNK >= 4.
        let (chunk, after) = rest.split_at(end.max(1).min(rest.len()));
        chunks.push(chunk.to_owned());
        rest = after;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_split_between_reads_arrive_whole() {
        let text = "€ü中😀 ok";
        let bytes = text.as_bytes();
        // Every split point, including inside each character.
        for cut in 0..=bytes.len() {
            let mut chunker = Utf8Chunker::default();
            let (a, b) = bytes.split_at(cut);
            let mut out = chunker.push(a);
            out.extend(chunker.push(b));
            assert_eq!(out.concat(), text, "cut at {cut}");
            assert!(chunker.finish().is_none());
        }
    }

    #[test]
    fn byte_by_byte_is_the_same() {
        let text = "αβγ — 終わり";
        let mut chunker = Utf8Chunker::default();
        let out: String = text
            .as_bytes()
            .iter()
            .flat_map(|b| chunker.push(std::slice::from_ref(b)))
            .collect();
        assert_eq!(out, text);
    }

    #[test]
    fn invalid_bytes_become_one_replacement_each() {
        let mut chunker = Utf8Chunker::default();
        let out = chunker.push(b"a\xffb\xc3(c").concat();
        assert_eq!(out, "a\u{fffd}b\u{fffd}(c");
        assert_eq!(chunker.push(b"\xe2\x82").concat(), "", "kept for later");
        assert_eq!(
            chunker.finish().as_deref(),
            Some("\u{fffd}"),
            "an unfinished end"
        );
    }

    #[test]
    fn long_reads_are_cut_at_character_boundaries() {
        let text = "€".repeat(MAX_CHUNK);
        let chunks = Utf8Chunker::default().push(text.as_bytes());
        assert!(chunks.len() > 1);
        assert!(chunks.iter().all(|c| c.len() <= MAX_CHUNK));
        assert_eq!(chunks.concat(), text);
    }
}

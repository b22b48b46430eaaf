//! Splitting tool and container output into lines, with bounded memory: a line is kept up to
//! [`MAX_LINE`] bytes; the rest of a longer one is dropped, counted, and said so on the line.
//! A node that prints gigabytes without a newline costs [`MAX_LINE`] bytes and linear time.

/// The longest line kept, in bytes (16 KiB); longer ones are cut with a marker.
pub const MAX_LINE: usize = 16 * 1024;

/// The marker ending a cut line.
pub fn cut_marker(dropped: usize) -> String {
    format!(
        " … [antimony: {dropped} more bytes of this line were cut; lines are kept up to 16 KiB]"
    )
}

/// Lines from a byte stream that arrives in chunks.
#[derive(Debug, Default)]
pub struct Lines {
    partial: Vec<u8>,
    /// Bytes of the current line dropped beyond [`MAX_LINE`].
    dropped: usize,
}

impl Lines {
    /// The complete lines in `bytes` (with what came before), without their `\n` or `\r\n`.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let end = rest.iter().position(|b| *b == b'\n');
            let (piece, after) = match end {
                Some(at) => (
                    rest.get(..at).unwrap_or_default(),
                    rest.get(at + 1..).unwrap_or_default(),
                ),
                None => (rest, &[][..]),
            };
            let room = MAX_LINE.saturating_sub(self.partial.len());
            let kept = piece.len().min(room);
            self.partial
                .extend_from_slice(piece.get(..kept).unwrap_or_default());
            self.dropped += piece.len() - kept;
            if end.is_some() {
                lines.push(self.take());
            }
            rest = after;
        }
        lines
    }

    /// The last line, if the stream ended without a newline.
    pub fn finish(&mut self) -> Option<String> {
        (!self.partial.is_empty() || self.dropped > 0).then(|| self.take())
    }

    fn take(&mut self) -> String {
        let mut bytes = std::mem::take(&mut self.partial);
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let mut line = String::from_utf8_lossy(&bytes).into_owned();
        if self.dropped > 0 {
            line.push_str(&cut_marker(self.dropped));
            self.dropped = 0;
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_whole_across_chunks() {
        let mut lines = Lines::default();
        assert_eq!(lines.feed(b"one\ntw"), ["one"]);
        assert_eq!(lines.feed(b"o\r\nthree\n"), ["two", "three"]);
        assert!(lines.feed(b"partial").is_empty());
        assert_eq!(lines.finish().as_deref(), Some("partial"));
        assert_eq!(lines.finish(), None);
    }

    #[test]
    fn a_line_without_end_costs_bounded_memory_and_is_cut_with_a_marker() {
        let mut lines = Lines::default();
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..64 {
            assert!(lines.feed(&chunk).is_empty());
            assert!(
                lines.partial.capacity() <= 2 * MAX_LINE,
                "memory stays bounded"
            );
        }
        let done = lines.feed(b"\nnext\n");
        assert_eq!(done.len(), 2);
        assert!(done[0].starts_with(&"x".repeat(MAX_LINE)));
        assert!(
            done[0].ends_with(&cut_marker(64 * 1024 * 1024 - MAX_LINE)),
            "{}",
            &done[0][MAX_LINE..]
        );
        assert_eq!(done[1], "next");
    }
}

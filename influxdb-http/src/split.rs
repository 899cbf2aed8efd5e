//! Finding line boundaries in a line-protocol body, for splitting a batch in halves.
//!
//! A plain search for `\n` is not enough: a quoted string field value may hold raw newlines,
//! and cutting there would turn one good line into two bad ones.

/// Scanner state within one line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing but spaces seen on this line yet.
    LineStart,
    /// A `#` comment runs to the end of the line.
    Comment,
    /// Measurement and tag set (quotes are ordinary characters here).
    Series,
    /// Field set, outside string values.
    Fields,
    /// Inside a quoted string field value.
    Text,
    /// After the field set.
    Timestamp,
}

/// Offsets just past every newline that ends a line (never one inside a string value).
pub(crate) fn line_ends(body: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let mut state = State::LineStart;
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < body.len() {
            let b = body[i];
            i += 1;
            match (state, b) {
                (State::Text, b'\\') | (State::Series | State::Fields, b'\\') => i += 1,
                (State::Text, b'"') => state = State::Fields,
                (State::Text, _) => {}
                (_, b'\n') => {
                    state = State::LineStart;
                    return Some(i);
                }
                (State::LineStart, b' ') => {}
                (State::LineStart, b'#') => state = State::Comment,
                (State::LineStart, _) => state = State::Series,
                (State::Series, b' ') => state = State::Fields,
                (State::Fields, b'=') if body.get(i) == Some(&b'"') => {
                    i += 1;
                    state = State::Text;
                }
                (State::Fields, b' ') => state = State::Timestamp,
                _ => {}
            }
        }
        None
    })
}

/// Where to cut `piece` in two non-empty halves of whole lines, as close to the middle as the
/// line boundaries allow; `None` when it holds a single line.
pub(crate) fn split_point(piece: &[u8]) -> Option<usize> {
    let content_len = piece.len()
        - piece
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
    let middle = content_len / 2;
    let mut best: Option<usize> = None;
    for end in line_ends(piece).take_while(|&end| end < content_len) {
        let closer = best.is_none_or(|b| end.abs_diff(middle) < b.abs_diff(middle));
        if closer {
            best = Some(end);
        } else {
            break; // distances only grow from here on
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_inside_strings_do_not_end_lines() {
        let body = b"m s=\"a\nb\" 1\nm s=\"x\\\"\n\" 2\nm,t=\"q f=1 3\n";
        let ends: Vec<_> = line_ends(body).collect();
        let lines: Vec<_> = {
            let mut start = 0;
            ends.iter()
                .map(|&e| {
                    let l = &body[start..e];
                    start = e;
                    std::str::from_utf8(l).unwrap()
                })
                .collect()
        };
        assert_eq!(
            lines,
            ["m s=\"a\nb\" 1\n", "m s=\"x\\\"\n\" 2\n", "m,t=\"q f=1 3\n"]
        );
    }

    #[test]
    fn comments_and_escapes() {
        let body = b"# c \"\nm\\ x f=\"\" 1\n";
        assert_eq!(line_ends(body).collect::<Vec<_>>(), [6, body.len()]);
    }

    #[test]
    fn split_near_the_middle_into_whole_lines() {
        assert_eq!(
            split_point(b"a f=1 1\nb f=1 1\nc f=1 1\nd f=1 1\n"),
            Some(16)
        );
        assert_eq!(split_point(b"a f=1 1\nb f=1 1\n"), Some(8));
        assert_eq!(
            split_point(b"a f=1 1\nbbbbbbbbbbbbbbbbbbbbbbbbbbb f=1 1"),
            Some(8)
        );
        assert_eq!(split_point(b"a f=1 1\n"), None);
        assert_eq!(split_point(b"a f=\"x\ny\" 1\n\n"), None);
    }
}

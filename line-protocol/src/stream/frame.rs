//! Framing: where a logical line ends in a byte stream, decided without parsing values.
//!
//! A logical line ends at an LF that is not inside a string field value. A `"` opens a string
//! only at the start of a field value: after the first unescaped space, right after an
//! unescaped `=` (in a field set the parser accepts, an unescaped `=` only ever separates a
//! key from its value, since keys and non-string values cannot hold one). Quotes in
//! measurements, tags and keys are ordinary bytes. The framer is resumable, so a line split
//! over many reads is scanned once, and it jumps between quotes and LFs with `memchr`.
//!
//! On input the parser rejects, the framer may take a frame longer than the parser needs
//! (never shorter): recovery then resumes inside the frame (see [`crate::parse`]).

use crate::scan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    LineStart,
    Comment,
    /// Measurement and tags, up to the first unescaped space.
    SeriesKey,
    /// Fields and timestamp: looking for a string start or the line end.
    Fields,
    Str,
    SkipToLf,
}

/// What a complete frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// A blank line or a well-formed comment: nothing to parse.
    Blank,
    /// A point or a malformed line: for the parser.
    Entry,
}

/// The outcome of [`Framer::advance`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framed {
    /// The frame is the first `len` bytes (0 only at the end of the input).
    Complete { len: usize, kind: FrameKind },
    /// The data ends inside the frame: read more and call again.
    NeedMore,
}

/// Resumable frame scanner over the bytes of the current frame.
#[derive(Debug, Clone)]
pub(crate) struct Framer {
    state: State,
    /// Bytes of the frame already scanned.
    pos: usize,
}

impl Framer {
    pub(crate) fn new() -> Self {
        Framer {
            state: State::LineStart,
            pos: 0,
        }
    }

    /// Bytes of the current frame that can be dropped (in discard mode) with
    /// [`Framer::rebase`] without changing the outcome: all scanned bytes but the last two,
    /// which the `="` test may still look at.
    pub(crate) fn scanned(&self) -> usize {
        self.pos.saturating_sub(2)
    }

    /// The first `dropped` scanned bytes were removed from the frame.
    pub(crate) fn rebase(&mut self, dropped: usize) {
        self.pos -= dropped;
    }

    /// Continues scanning `data`, which holds the frame from its first byte; `eof` says no
    /// more data will come.
    pub(crate) fn advance(&mut self, data: &[u8], eof: bool) -> Framed {
        let mut entry = !matches!(self.state, State::LineStart | State::Comment);
        loop {
            let i = self.pos;
            let kind = if entry {
                FrameKind::Entry
            } else {
                FrameKind::Blank
            };
            match self.state {
                State::LineStart | State::Comment => {
                    let at_start = self.state == State::LineStart;
                    let rest = &data[i..];
                    let j = i + if at_start {
                        scan::spaces(rest)
                    } else {
                        scan::comment_end(rest)
                    };
                    match data.get(j) {
                        None => return self.need_more(j, data, eof, kind),
                        Some(b'\n') => return self.done(j + 1, kind),
                        Some(b'\r') => match data.get(j + 1) {
                            None => return self.need_more(j, data, eof, kind),
                            Some(b'\n') => return self.done(j + 2, kind),
                            // A bare CR is an error: the parser reports it.
                            Some(_) => {
                                entry = true;
                                self.goto(State::SkipToLf, j);
                            }
                        },
                        Some(b'#') if at_start => self.goto(State::Comment, j + 1),
                        Some(_) => {
                            entry = true;
                            // What ends a comment before its line end is a byte it may not hold.
                            let next = if at_start {
                                State::SeriesKey
                            } else {
                                State::SkipToLf
                            };
                            self.goto(next, j);
                        }
                    }
                }
                State::SeriesKey => match memchr::memchr3(b' ', b'\\', b'\n', &data[i..]) {
                    None => return self.need_more(data.len(), data, eof, kind),
                    Some(k) => {
                        let k = i + k;
                        match data[k] {
                            b'\n' => return self.done(k + 1, kind),
                            b' ' => self.goto(State::Fields, k + 1),
                            _ => match data.get(k + 1) {
                                // A backslash escapes a space in measurements and tags alike.
                                Some(b' ') => self.pos = k + 2,
                                Some(_) => self.pos = k + 1,
                                None => return self.need_more(k, data, eof, kind),
                            },
                        }
                    }
                },
                State::Fields => match memchr::memchr2(b'"', b'\n', &data[i..]) {
                    None => return self.need_more(data.len(), data, eof, kind),
                    Some(k) => {
                        let k = i + k;
                        if data[k] == b'\n' {
                            return self.done(k + 1, kind);
                        }
                        // `="` with an unescaped `=` (a backslash before `=` always escapes it
                        // in keys) opens a string value.
                        let opens = k >= 2 && data[k - 1] == b'=' && data[k - 2] != b'\\';
                        self.goto(if opens { State::Str } else { State::Fields }, k + 1);
                    }
                },
                State::Str => match memchr::memchr2(b'"', b'\\', &data[i..]) {
                    None => return self.need_more(data.len(), data, eof, kind),
                    Some(k) => {
                        let k = i + k;
                        if data[k] == b'"' {
                            self.goto(State::Fields, k + 1);
                        } else if k + 1 < data.len() {
                            self.pos = k + 2;
                        } else {
                            return self.need_more(k, data, eof, kind);
                        }
                    }
                },
                State::SkipToLf => match scan::next_lf(data, i) {
                    Some(k) => return self.done(k + 1, kind),
                    None => return self.need_more(data.len(), data, eof, kind),
                },
            }
        }
    }

    fn goto(&mut self, state: State, pos: usize) {
        self.state = state;
        self.pos = pos;
    }

    fn done(&mut self, len: usize, kind: FrameKind) -> Framed {
        *self = Framer::new();
        Framed::Complete { len, kind }
    }

    /// The data ran out at `pos`: at the end of the input the frame is everything left.
    fn need_more(&mut self, pos: usize, data: &[u8], eof: bool, kind: FrameKind) -> Framed {
        if eof {
            return self.done(data.len(), kind);
        }
        self.pos = pos;
        Framed::NeedMore
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<(Vec<u8>, FrameKind)> {
        let mut out = Vec::new();
        let mut rest = input;
        let mut framer = Framer::new();
        loop {
            match framer.advance(rest, true) {
                Framed::Complete { len: 0, .. } => return out,
                Framed::Complete { len, kind } => {
                    out.push((rest[..len].to_vec(), kind));
                    rest = &rest[len..];
                }
                Framed::NeedMore => unreachable!("eof is set"),
            }
        }
    }

    #[test]
    fn strings_span_lines_but_quotes_in_names_do_not() {
        let f = frames(b"m,t=\"x f=\"a\nb\" 1\nq\"a f=1\n  \n# c \"\nn f=\"\n");
        let texts: Vec<&[u8]> = f.iter().map(|(t, _)| t.as_slice()).collect();
        assert_eq!(
            texts,
            [
                &b"m,t=\"x f=\"a\nb\" 1\n"[..],
                b"q\"a f=1\n",
                b"  \n",
                b"# c \"\n",
                b"n f=\"\n"
            ]
        );
        assert_eq!(f[2].1, FrameKind::Blank);
        assert_eq!(f[3].1, FrameKind::Blank);
        assert_eq!(f[4].1, FrameKind::Entry);
    }

    #[test]
    fn resumes_across_chunk_boundaries() {
        let input = b"m\\ x,t=a\\ b k\\==\"q\\\"\nz\",g=1 5\r\n";
        for split in 0..input.len() {
            let mut framer = Framer::new();
            assert_eq!(
                framer.advance(&input[..split], false),
                Framed::NeedMore,
                "split {split}"
            );
            assert_eq!(
                framer.advance(input, false),
                Framed::Complete {
                    len: input.len(),
                    kind: FrameKind::Entry
                },
                "split {split}"
            );
        }
    }
}

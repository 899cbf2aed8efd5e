//! The streaming reader: same results as the in-memory parser whatever the read sizes,
//! bounded memory, line limits, I/O errors.

mod common;

use std::io::{self, BufRead, Read};

use line_protocol::{
    ParseError, ParseErrorKind, Point, PointReader, Precision, ReadError, parse_lines,
};
use proptest::prelude::*;

/// A `BufRead` that hands out the input in chunks of the given sizes (cycled).
struct Chunked<'a> {
    data: &'a [u8],
    pos: usize,
    sizes: Vec<usize>,
    turn: usize,
}

impl<'a> Chunked<'a> {
    fn new(data: &'a [u8], sizes: Vec<usize>) -> Self {
        Chunked {
            data,
            pos: 0,
            sizes,
            turn: 0,
        }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let chunk = self.fill_buf()?;
        let n = chunk.len().min(out.len());
        out[..n].copy_from_slice(&chunk[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Chunked<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let size = self.sizes[self.turn % self.sizes.len()].max(1);
        let end = (self.pos + size).min(self.data.len());
        Ok(&self.data[self.pos..end])
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
        self.turn += 1;
    }
}

type Outcome = Result<Point<'static>, ParseError>;

fn in_memory(input: &[u8]) -> Vec<Outcome> {
    parse_lines(input)
        .map(|r| r.map(Point::into_owned))
        .collect()
}

fn streamed<R: BufRead>(reader: R) -> Vec<Outcome> {
    let mut r = PointReader::new(reader);
    let mut out = Vec::new();
    loop {
        match r.next_point() {
            Ok(Some(p)) => out.push(Ok(p.into_owned())),
            Ok(None) => return out,
            Err(ReadError::Parse(e)) => out.push(Err(e)),
            Err(e) => panic!("unexpected {e}"),
        }
    }
}

fn streamed_with(input: &[u8], sizes: Vec<usize>) -> Vec<Outcome> {
    let mut r = PointReader::new(Chunked::new(input, sizes));
    let mut out = Vec::new();
    loop {
        match r.next_point_with(|p| p.clone().into_owned()) {
            Ok(Some(p)) => out.push(Ok(p)),
            Ok(None) => return out,
            Err(ReadError::Parse(e)) => out.push(Err(e)),
            Err(e) => panic!("unexpected {e}"),
        }
    }
}

/// The same, through `for_each_point` (the in-buffer fast path with the framing path at the
/// buffer's end); also checks the start line it reports for each entry.
fn streamed_each(input: &[u8], sizes: Vec<usize>) -> Vec<Outcome> {
    let mut out = Vec::new();
    PointReader::new(Chunked::new(input, sizes))
        .for_each_point(|line, entry| {
            match entry {
                Ok(p) => out.push(Ok(p.clone().into_owned())),
                Err(ReadError::Parse(e)) => {
                    assert!(
                        line <= e.line,
                        "entry line {line} after error line {}",
                        e.line
                    );
                    out.push(Err(e));
                }
                Err(e) => return Err(e),
            }
            Ok(())
        })
        .unwrap_or_else(|e| panic!("unexpected {e}"));
    out
}

const SAMPLE: &[u8] = b"# weather\n\
    weather,station=paris,city=Paris temperature=21.5,condition=\"light\nrain\",ok=t 1700000000000000000\n\
    \n\
    bad,t= f=1\n\
    weather,station=S\\ P temp=-3i,note=\"say \\\"hi\\\"\\n\" 1\r\n\
    m\\,x,a=\"q f=\"\"\n\
    m f=\"unterminated\n\
    next f=1\n";

#[test]
fn one_byte_at_a_time_matches_the_in_memory_parser() {
    let expected = in_memory(SAMPLE);
    assert_eq!(streamed(io::BufReader::with_capacity(1, SAMPLE)), expected);
    assert_eq!(streamed_with(SAMPLE, vec![1]), expected);
}

#[test]
fn every_split_point_gives_the_same_result() {
    let expected = in_memory(SAMPLE);
    for first in 1..SAMPLE.len() {
        assert_eq!(
            streamed(Chunked::new(SAMPLE, vec![first, SAMPLE.len()])),
            expected,
            "split {first}"
        );
        assert_eq!(
            streamed_each(SAMPLE, vec![first, SAMPLE.len()]),
            expected,
            "for_each_point, split {first}"
        );
    }
    assert_eq!(streamed_each(SAMPLE, vec![SAMPLE.len()]), expected);
}

#[test]
fn line_numbers_continue_across_multi_line_strings() {
    let input = b"a s=\"1\n2\" 1\nb f=\nc f=1\n";
    let mut r = PointReader::new(&input[..]);
    r.next_point().unwrap().unwrap();
    let Err(ReadError::Parse(e)) = r.next_point() else {
        panic!("expected a parse error")
    };
    assert_eq!((e.line, e.column), (3, 5));
    assert_eq!(r.next_point().unwrap().unwrap().measurement, "c");
    assert_eq!(r.line(), 5);
}

#[test]
fn precision_is_applied() {
    let mut r = PointReader::new(&b"m f=1 7\n"[..]).with_precision(Precision::Milliseconds);
    assert_eq!(r.next_point().unwrap().unwrap().timestamp, Some(7_000_000));
}

#[test]
fn memory_stays_bounded_by_one_line_plus_read_ahead() {
    let line = b"weather,station=paris temperature=21.5,condition=\"clear\" 1700000000000000000\n";
    let input: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * 20_000)
        .collect();
    let mut r = PointReader::new(io::BufReader::with_capacity(4096, &input[..]));
    let mut n = 0;
    while r.next_point_with(|_| ()).unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 20_000);
    assert!(
        r.buffer_capacity() <= 2 * (4096 + line.len()),
        "{}",
        r.buffer_capacity()
    );
}

#[test]
fn memory_stays_bounded_when_the_reader_hands_out_everything_at_once() {
    // `&[u8]` returns its whole remaining content from every `fill_buf`.
    let input = b"m,t=v f=1i 1\n".repeat(100_000);
    let mut r = PointReader::new(&input[..]);
    let mut n = 0;
    while r.next_point_with(|_| ()).unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 100_000);
    assert!(r.buffer_capacity() <= 256 * 1024, "{}", r.buffer_capacity());
}

#[test]
fn long_lines_are_fine_without_a_limit() {
    let big = "x".repeat(1 << 20);
    let input = format!("m s=\"{big}\"\nn f=1\n");
    let out = streamed(io::BufReader::with_capacity(1000, input.as_bytes()));
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(Result::is_ok));
}

#[test]
fn line_limit_skips_the_long_line_without_buffering_it() {
    let big = "y".repeat(100_000);
    let input = format!("a f=1\nm s=\"{big}\nstill the string\" 1\nb f=2\n");
    let mut r = PointReader::new(io::BufReader::with_capacity(512, input.as_bytes()))
        .with_max_line_length(1000);
    assert_eq!(r.next_point().unwrap().unwrap().measurement, "a");
    match r.next_point() {
        Err(ReadError::LineTooLong {
            line: 2,
            limit: 1000,
        }) => {}
        other => panic!("expected LineTooLong, got {other:?}"),
    }
    let p = r.next_point().unwrap().unwrap();
    assert_eq!(p.measurement, "b");
    assert_eq!(r.line(), 5);
    assert!(r.buffer_capacity() < 8 * 1024, "{}", r.buffer_capacity());
    assert!(r.next_point().unwrap().is_none());
}

#[test]
fn line_limit_counts_bytes_without_the_line_ending() {
    let mut r = PointReader::new(&b"m f=1\r\nm f=12\n"[..]).with_max_line_length(5);
    assert!(r.next_point().unwrap().is_some());
    assert!(matches!(
        r.next_point(),
        Err(ReadError::LineTooLong { line: 2, limit: 5 })
    ));
    assert!(r.next_point().unwrap().is_none());
}

struct Failing;

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk on fire"))
    }
}

#[test]
fn io_errors_are_reported() {
    let mut r = PointReader::new(io::BufReader::new(Failing));
    let e = r.next_point().unwrap_err();
    assert!(matches!(e, ReadError::Io(_)));
    assert_eq!(e.to_string(), "reading line protocol: disk on fire");
}

#[test]
fn parse_errors_display_like_parse_error() {
    let mut r = PointReader::new(&b"m,=v f=1"[..]);
    let e = r.next_point().unwrap_err();
    assert_eq!(e.to_string(), "line 1, column 3: empty tag key");
    assert!(matches!(
        e,
        ReadError::Parse(ParseError {
            kind: ParseErrorKind::EmptyTagKey,
            ..
        })
    ));
}

/// Fragments chosen to hit every delimiter, escape and line-end rule.
const FRAGMENTS: &[&[u8]] = &[
    b"m",
    b"cpu",
    b",",
    b"=",
    b" ",
    b"  ",
    b"\"",
    b"\\",
    b"\n",
    b"\r\n",
    b"\r",
    b"\t",
    b"#",
    b"t",
    b"1",
    b"-",
    b".",
    b"5i",
    b"7u",
    b"e3",
    b"\xc3\xa9",
    b"\xff",
    b"f=1",
    b"s=\"a b\"",
    b",t=v",
    b" 123",
    b"\\ ",
    b"\\\"",
    b"\\\\",
    b"\n# c\n",
    b"\x01",
];

fn fragments() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_inputs_and_chunkings_agree_with_the_in_memory_parser(
        input in fragments(),
        sizes in prop::collection::vec(1usize..9, 1..6),
    ) {
        let expected = in_memory(&input);
        prop_assert_eq!(streamed(Chunked::new(&input, sizes.clone())), expected.clone());
        prop_assert_eq!(streamed_with(&input, sizes.clone()), expected.clone());
        let large: Vec<usize> = sizes.iter().map(|n| n * 16).collect();
        prop_assert_eq!(streamed_each(&input, sizes), expected.clone());
        prop_assert_eq!(streamed_each(&input, large), expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_agree(
        input in prop::collection::vec(any::<u8>(), 0..300),
        sizes in prop::collection::vec(1usize..17, 1..4),
    ) {
        let expected = in_memory(&input);
        prop_assert_eq!(streamed(Chunked::new(&input, sizes.clone())), expected.clone());
        let large: Vec<usize> = sizes.iter().map(|n| n * 16).collect();
        prop_assert_eq!(streamed_each(&input, sizes), expected.clone());
        prop_assert_eq!(streamed_each(&input, large), expected);
    }
}

//! Name and string scanning 16 bytes at a time with SSE2, which every x86-64 CPU has, through
//! `safe_arch`'s safe wrappers. One block's comparisons give bit masks of its stop bytes and
//! backslashes, so a token's escapes are found with bit operations instead of ending the scan
//! loop at each one (escaped tokens hold an escape every few bytes).

use safe_arch::{
    cmp_eq_mask_i8_m128i, load_unaligned_m128i, m128i, max_u8_m128i, move_mask_i8_m128i,
    set_splat_i8_m128i,
};

use super::{Escapes, NameClass, StringScan};

const BLOCK: usize = 16;

#[inline(always)]
fn splat(b: u8) -> m128i {
    set_splat_i8_m128i(i8::from_ne_bytes([b]))
}

/// All ones in each byte of `v` equal to `b`.
#[inline(always)]
fn eq(v: m128i, b: u8) -> m128i {
    cmp_eq_mask_i8_m128i(v, splat(b))
}

/// Bit `k` set when byte `k` of `m` (a comparison result) matched.
#[inline(always)]
fn bits(m: m128i) -> u32 {
    move_mask_i8_m128i(m) as u32
}

/// All ones in each byte of `v` that is at most `b` (unsigned).
#[inline(always)]
fn at_most(v: m128i, b: u8) -> m128i {
    cmp_eq_mask_i8_m128i(max_u8_m128i(v, splat(b)), splat(b))
}

/// All ones in each byte of `v` that a backslash escapes in a name of `class_`: `,`, space
/// and, for keys, `=`.
#[inline(always)]
fn escapable(v: m128i, class_: NameClass) -> m128i {
    let commas_and_spaces = eq(v, b',') | eq(v, b' ');
    match class_ {
        NameClass::Measurement => commas_and_spaces,
        NameClass::Key => commas_and_spaces | eq(v, b'='),
    }
}

/// Bits below bit `k`.
#[inline(always)]
fn below(k: u32) -> u32 {
    (1 << k) - 1
}

/// The 16 bytes of `input` from `i`, padded with zero bytes past its end: a zero byte is a
/// control byte, which ends every token, escapes nothing and closes no string.
#[inline(always)]
fn block_at(input: &[u8], i: usize) -> m128i {
    match input.get(i..).and_then(<[u8]>::first_chunk::<BLOCK>) {
        Some(block) => load_unaligned_m128i(block),
        None => {
            let tail = input.get(i..).unwrap_or_default();
            let mut block = [0u8; BLOCK];
            block[..tail.len()].copy_from_slice(tail);
            load_unaligned_m128i(&block)
        }
    }
}

/// [`super::scan_name_escapes`]: the end of the name token at the start of `input` and the
/// positions of its escaping backslashes.
#[inline(always)]
pub(super) fn scan_name_escapes(input: &[u8], class_: NameClass) -> (usize, Escapes) {
    let mut escapes = Escapes::NONE;
    let mut i = 0;
    // Bit 0 set when the previous block ended in a backslash.
    let mut carry = 0;
    loop {
        let v = block_at(input, i);
        let escapable_bytes = escapable(v, class_);
        // Up to 0x20: the control bytes and the space.
        let stop = bits(escapable_bytes | at_most(v, 0x20) | eq(v, 0x7f));
        let escapable = bits(escapable_bytes);
        let backslash = bits(eq(v, b'\\'));
        // A backslash escapes the byte after it when that byte is escapable; a backslash is
        // never escapable, so escapes do not chain (Go v2 rule, spec §3.2).
        let escaping = backslash & (escapable >> 1);
        let first = carry & escapable;
        if first != 0 {
            escapes.record(i - 1);
        }
        let stops = stop & !((escaping << 1) | first);
        if stops != 0 {
            // Within the input: the padding's first zero byte is a stop.
            let k = stops.trailing_zeros();
            escapes.record_bits(i, u64::from(escaping & below(k)));
            return (i + k as usize, escapes);
        }
        escapes.record_bits(i, u64::from(escaping));
        carry = backslash >> (BLOCK - 1);
        i += BLOCK;
    }
}

/// [`super::name_specials`]: the bytes to escape and the invalid bytes of a name.
#[inline(always)]
pub(super) fn name_specials(bytes: &[u8], class_: NameClass) -> (u64, u64) {
    let (mut escape, mut invalid) = (0u64, 0u64);
    for (n, block) in bytes.chunks_exact(BLOCK).enumerate() {
        let v = block_at(block, 0);
        escape |= u64::from(bits(escapable(v, class_))) << (n * BLOCK);
        // The control bytes (up to 0x1f) and DEL.
        invalid |= u64::from(bits(at_most(v, 0x1f) | eq(v, 0x7f))) << (n * BLOCK);
    }
    (escape, invalid)
}

/// [`super::string_specials`]: the `"` and `\` bytes of a string value.
#[inline(always)]
pub(super) fn string_specials(bytes: &[u8]) -> u64 {
    bytes
        .chunks_exact(BLOCK)
        .enumerate()
        .fold(0, |mask, (n, block)| {
            let v = block_at(block, 0);
            mask | u64::from(bits(eq(v, b'"') | eq(v, b'\\'))) << (n * BLOCK)
        })
}

/// Which bytes of 8 a backslash escapes: index = their backslashes (bit per byte) plus bit 8
/// when the first byte is escaped by the byte before; value = the escaped bytes, bit 8 for the
/// byte after the eighth. In a string every backslash that is not itself escaped pairs with the
/// byte after it (`\\` is a pair), as in the Go decoder.
static ESCAPED: [u16; 512] = {
    let mut table = [0u16; 512];
    let mut index = 0;
    while index < 512 {
        let mut escaped = 0u16;
        let mut next_escaped = index >> 8 == 1;
        let mut k = 0;
        while k < 8 {
            if next_escaped {
                escaped |= 1 << k;
                next_escaped = false;
            } else if (index >> k) & 1 == 1 {
                next_escaped = true;
            }
            k += 1;
        }
        if next_escaped {
            escaped |= 1 << 8;
        }
        table[index] = escaped;
        index += 1;
    }
    table
};

/// [`super::string_end_escapes`]: the closing quote of the string content at the start of
/// `input`, its LF count and the positions of its decodable escapes.
#[inline(always)]
pub(super) fn string_end_escapes(input: &[u8]) -> Option<(StringScan, Escapes)> {
    let mut escapes = Escapes::NONE;
    let mut newlines = 0;
    let mut i = 0;
    // 1 when this block's first byte is escaped by the previous block's last byte.
    let mut carry = 0u32;
    while i < input.len() {
        let v = block_at(input, i);
        let quote = eq(v, b'"');
        let backslash = eq(v, b'\\');
        let quotes = bits(quote);
        let lf = bits(eq(v, b'\n'));
        let backslashes = bits(backslash);
        if backslashes | carry == 0 {
            // No escape in this block: the first quote closes the string.
            if quotes != 0 {
                let k = quotes.trailing_zeros();
                newlines += (lf & below(k)).count_ones() as usize;
                return Some(StringScan::closed(i + k as usize, escapes, newlines));
            }
            newlines += lf.count_ones() as usize;
            i += BLOCK;
            continue;
        }
        let decodable = bits(quote | backslash | eq(v, b'n') | eq(v, b'r') | eq(v, b't'));
        let low = ESCAPED[((backslashes & 0xff) | carry << 8) as usize];
        let high = ESCAPED[((backslashes >> 8) | u32::from(low >> 8) << 8) as usize];
        let escaped = u32::from(low & 0xff) | u32::from(high & 0xff) << 8;
        let escaping = backslashes & !escaped;
        if carry != 0 && decodable & 1 != 0 {
            escapes.record(i - 1);
        }
        // An escaper's pair is the next byte; the last byte's pair is in the next block.
        let decoded = escaping & (decodable >> 1);
        let closing = quotes & !escaped;
        if closing != 0 {
            let k = closing.trailing_zeros();
            escapes.record_bits(i, u64::from(decoded & below(k)));
            newlines += (lf & below(k)).count_ones() as usize;
            return Some(StringScan::closed(i + k as usize, escapes, newlines));
        }
        escapes.record_bits(i, u64::from(decoded));
        newlines += lf.count_ones() as usize;
        carry = u32::from(high >> 8);
        i += BLOCK;
    }
    None
}

//! Nibble packing for BCD fields, MTIs and lengths.

/// Packs nibble characters (`0-9`, `A-F`) into bytes, adding one `0` filler
/// nibble on `pad_left` or the right when the count is odd. `None` if a
/// character is not a hex digit.
pub fn pack(nibbles: &str, pad_left: bool) -> Option<Vec<u8>> {
    let mut values = Vec::with_capacity(nibbles.len() + 1);
    if nibbles.len() % 2 == 1 && pad_left {
        values.push(0u8);
    }
    for c in nibbles.chars() {
        values.push(c.to_digit(16)? as u8);
    }
    if values.len() % 2 == 1 {
        values.push(0);
    }
    Some(values.chunks(2).map(|pair| (pair[0] << 4) | pair[1]).collect())
}

/// Unpacks `count` nibbles from `bytes` (which hold `count.div_ceil(2)`),
/// dropping the filler nibble of an odd count.
pub fn unpack(bytes: &[u8], count: usize, pad_left: bool) -> String {
    let text = hex::encode_upper(bytes);
    if count & 1 == 0 {
        return text;
    }
    if pad_left {
        text[1..].to_string()
    } else {
        text[..text.len() - 1].to_string()
    }
}

/// A BCD-encoded decimal number (length prefixes), `None` if a nibble is not a digit.
pub fn decimal(bytes: &[u8]) -> Option<usize> {
    let mut value = 0usize;
    for b in bytes {
        for nibble in [b >> 4, b & 0x0F] {
            if nibble > 9 {
                return None;
            }
            value = value * 10 + nibble as usize;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_counts_pad_on_the_chosen_side() {
        assert_eq!(pack("051", true), Some(vec![0x00, 0x51]));
        assert_eq!(pack("051", false), Some(vec![0x05, 0x10]));
        assert_eq!(unpack(&[0x00, 0x51], 3, true), "051");
        assert_eq!(unpack(&[0x05, 0x10], 3, false), "051");
        assert_eq!(pack("1=", false), None);
        assert_eq!(decimal(&[0x01, 0x23]), Some(123));
        assert_eq!(decimal(&[0x1A]), None);
    }
}

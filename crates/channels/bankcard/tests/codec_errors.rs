//! Typed decode / encode errors, and properties: decoding arbitrary bytes
//! never panics; encoding then decoding a random message gives it back.

use juhe_channel_bankcard::codec::cups_ascii::CUPS_ASCII;
use juhe_channel_bankcard::codec::posp::POSP;
use juhe_channel_bankcard::codec::{
    DataEnc, DecodeError, Dialect, EncodeError, FieldSpec, LenType, Message, Pad, decode, encode,
};
use proptest::prelude::*;

fn purchase() -> Message {
    Message::new("0200")
        .with(2, "6221235200000000001")
        .with(3, "000000")
        .with(4, "000000004993")
        .with(11, "000123")
        .with(22, "051")
        .with(35, "6221235200000000001D2512")
        .with(41, "01007611")
        .with(42, "898150148141650")
        .with(49, "156")
        .with(60, "22000001000")
        .with(64, "0102030405060708")
}

#[test]
fn posp_layout_is_bcd_mti_binary_bitmap_and_bcd_lengths() {
    let bytes = encode(&POSP, &purchase()).unwrap();
    assert_eq!(&bytes[..2], &[0x02, 0x00], "BCD MTI");
    assert_eq!(
        &bytes[2..10],
        &[0x70, 0x20, 0x04, 0x00, 0x20, 0xC0, 0x80, 0x11],
        "binary bitmap"
    );
    // Field 2: BCD length 19, then 19 digits left-aligned with a filler nibble.
    assert_eq!(bytes[10], 0x19);
    assert_eq!(
        &bytes[11..21],
        &[0x62, 0x21, 0x23, 0x52, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10]
    );
    // Field 22 (n3, fixed) is right-aligned: 0x00 0x51 after 3, 4 and 11.
    assert_eq!(&bytes[21 + 3 + 6 + 3..21 + 3 + 6 + 3 + 2], &[0x00, 0x51]);
    assert_eq!(decode(&POSP, &bytes).unwrap(), purchase());
}

#[test]
fn truncated_input_is_reported_with_its_part() {
    let bytes = encode(&POSP, &purchase()).unwrap();
    for cut in [0, 1, 5, 12, 30, bytes.len() - 1] {
        let err = decode(&POSP, &bytes[..cut]).unwrap_err();
        assert!(matches!(err, DecodeError::Truncated { .. }), "cut {cut}: {err:?}");
    }
    assert_eq!(
        decode(&POSP, &[bytes.clone(), vec![0]].concat()).unwrap_err(),
        DecodeError::TrailingBytes(1)
    );
}

#[test]
fn bad_and_excessive_lengths_are_typed() {
    // ASCII LLVAR field 2 with a non-digit length.
    let bad = b"02004000000000000000X01234567890";
    assert_eq!(
        decode(&CUPS_ASCII, bad).unwrap_err(),
        DecodeError::BadLength { field: 2 }
    );
    // Field 2 claims 25 digits (max 19).
    let long = b"020040000000000000002512345678901234567890123";
    assert_eq!(
        decode(&CUPS_ASCII, long).unwrap_err(),
        DecodeError::FieldTooLong {
            field: 2,
            len: 25,
            max: 19
        }
    );
    // POSP field 2 with a BCD length byte that is not decimal.
    let mut bytes = encode(&POSP, &purchase()).unwrap();
    bytes[10] = 0x1A;
    assert_eq!(decode(&POSP, &bytes).unwrap_err(), DecodeError::BadLength { field: 2 });
}

#[test]
fn fields_the_dialect_lacks_are_rejected_both_ways() {
    // Bit 5 (field 5) is not in the POSP table.
    let bytes = [0x02, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x12];
    assert_eq!(decode(&POSP, &bytes).unwrap_err(), DecodeError::UnknownField(5));
    let msg = Message::new("0200").with(5, "000000000001");
    assert_eq!(encode(&POSP, &msg).unwrap_err(), EncodeError::UnknownField(5));
    assert_eq!(
        encode(&POSP, &Message::new("0200").with(1, "00")).unwrap_err(),
        EncodeError::UnknownField(1)
    );
}

#[test]
fn encode_checks_values_against_the_table() {
    let wrong_fixed = Message::new("0200").with(3, "0000");
    assert!(matches!(
        encode(&POSP, &wrong_fixed).unwrap_err(),
        EncodeError::WrongFixedLength {
            field: 3,
            len: 4,
            expected: 6
        }
    ));
    let too_long = Message::new("0200").with(2, "1".repeat(20));
    assert!(matches!(
        encode(&POSP, &too_long).unwrap_err(),
        EncodeError::FieldTooLong { field: 2, .. }
    ));
    let not_bcd = Message::new("0200").with(4, "00000000100X");
    assert_eq!(encode(&POSP, &not_bcd).unwrap_err(), EncodeError::BadData { field: 4 });
    assert_eq!(encode(&POSP, &Message::new("02A0")).unwrap_err(), EncodeError::BadMti);
    assert_eq!(
        encode(&POSP, &Message::new("0200").with(41, "终端号码")).unwrap_err(),
        EncodeError::BadData { field: 41 }
    );
}

/// A random valid value for a field spec.
fn value_for(spec: &FieldSpec) -> BoxedStrategy<String> {
    let (min, max) = match spec.len_type {
        LenType::Fixed => (spec.max_len, spec.max_len),
        _ => (0, spec.max_len.min(60)),
    };
    match spec.data {
        DataEnc::Ascii => proptest::string::string_regex(&format!("[ -~]{{{min},{max}}}")),
        DataEnc::Bcd(_) => proptest::string::string_regex(&format!("[0-9D]{{{min},{max}}}")),
        DataEnc::Binary => proptest::string::string_regex(&format!("([0-9A-F]{{2}}){{{min},{max}}}")),
    }
    .expect("regex")
    .boxed()
}

fn message_in(dialect: &'static Dialect) -> impl Strategy<Value = Message> {
    let fields: Vec<BoxedStrategy<Option<(u8, String)>>> = dialect
        .fields
        .iter()
        .map(|spec| proptest::option::of(value_for(spec).prop_map(move |v| (spec.number, v))).boxed())
        .collect();
    ("[0-9]{4}", fields).prop_map(|(mti, fields)| {
        let mut msg = Message::new(mti);
        for (n, v) in fields.into_iter().flatten() {
            msg.set(n, v);
        }
        msg
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn decoding_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&POSP, &bytes);
        let _ = decode(&CUPS_ASCII, &bytes);
    }

    #[test]
    fn decoding_a_corrupted_message_never_panics(index in 0usize..200, byte in any::<u8>()) {
        let mut bytes = encode(&POSP, &purchase()).unwrap();
        let i = index % bytes.len();
        bytes[i] = byte;
        let _ = decode(&POSP, &bytes);
    }

    #[test]
    fn posp_messages_round_trip(msg in message_in(&POSP)) {
        let bytes = encode(&POSP, &msg).unwrap();
        prop_assert_eq!(decode(&POSP, &bytes).unwrap(), msg);
    }

    #[test]
    fn cups_ascii_messages_round_trip(msg in message_in(&CUPS_ASCII)) {
        let bytes = encode(&CUPS_ASCII, &msg).unwrap();
        prop_assert_eq!(decode(&CUPS_ASCII, &bytes).unwrap(), msg);
    }
}

#[test]
fn odd_bcd_values_keep_their_digits() {
    let spec = POSP.field(22).unwrap();
    assert_eq!(spec.data, DataEnc::Bcd(Pad::Left));
    let msg = Message::new("0200").with(22, "071").with(2, "123456789012345");
    assert_eq!(decode(&POSP, &encode(&POSP, &msg).unwrap()).unwrap(), msg);
}

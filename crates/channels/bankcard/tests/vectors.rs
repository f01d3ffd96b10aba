//! Every case of `vectors/iso8583.json`.

use juhe_channel_bankcard::codec::cups_ascii::{CUPS_ASCII, frame, unframe};
use juhe_channel_bankcard::codec::{Message, bitmap, decode, encode};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../vectors/iso8583.json");
    let text = std::fs::read_to_string(path).expect("vectors/iso8583.json");
    serde_json::from_str(&text).expect("vector JSON")
}

/// Checks `msg` against pyiso8583's decoded fields (`t`, `p`, `1` and numbers).
fn assert_fields(msg: &Message, expected: &serde_json::Map<String, Value>) {
    let map = hex::encode_upper(bitmap(msg));
    let mut count = 0;
    for (key, value) in expected {
        let value = value.as_str().expect("string field");
        match key.as_str() {
            "t" => assert_eq!(msg.mti, value),
            "p" => assert_eq!(&map[..16], value),
            "1" => assert_eq!(&map[16..], value),
            number => {
                let n: u8 = number.parse().expect("field number");
                assert_eq!(msg.get(n), Some(value), "field {n}");
                count += 1;
            }
        }
    }
    assert_eq!(msg.fields().count(), count, "no fields beyond the expected ones");
}

#[test]
fn cups_ascii_0200_decodes_and_re_encodes_byte_for_byte() {
    let v = &vectors()["cups_ascii_0200"];
    let raw = v["raw_with_length_prefix"].as_str().unwrap().as_bytes();
    let body = unframe(raw).unwrap();
    assert_eq!(&raw[..4], b"0261");
    let msg = decode(&CUPS_ASCII, body).unwrap();
    assert_fields(&msg, v["expected_fields"].as_object().unwrap());
    let again = encode(&CUPS_ASCII, &msg).unwrap();
    assert_eq!(again, body);
    assert_eq!(frame(&again).unwrap(), raw);
    assert!(v["reencode_roundtrip_equal"].as_bool().unwrap());
}

#[test]
fn cups_ascii_vector_debug_masks_the_card_number() {
    let v = &vectors()["cups_ascii_0200"];
    let body = unframe(v["raw_with_length_prefix"].as_str().unwrap().as_bytes()).unwrap();
    let shown = format!("{:?}", decode(&CUPS_ASCII, body).unwrap());
    assert!(!shown.contains("6221235200000000001"), "{shown}");
    assert!(shown.contains("622123*********0001"), "{shown}");
}

#[test]
fn pyiso8583_readme_example_and_its_response() {
    let v = &vectors()["pyiso8583_readme_example"];
    let raw = v["raw"].as_str().unwrap().as_bytes();
    let msg = decode(&CUPS_ASCII, raw).unwrap();
    assert_fields(&msg, v["expected_fields"].as_object().unwrap());
    assert_eq!(encode(&CUPS_ASCII, &msg).unwrap(), raw);

    let response = &v["response_example"];
    let mut answer = Message::new(response["fields"]["t"].as_str().unwrap());
    answer.set(39, response["fields"]["39"].as_str().unwrap());
    let bytes = encode(&CUPS_ASCII, &answer).unwrap();
    assert_eq!(bytes, response["expected_raw"].as_str().unwrap().as_bytes());
    assert_eq!(decode(&CUPS_ASCII, &bytes).unwrap(), answer);
}

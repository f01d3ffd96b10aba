//! One ISO 8583 message: its type indicator and its fields by number.

use juhe_channel::request::mask_pan;
use std::collections::BTreeMap;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Message {
    pub mti: String,
    fields: BTreeMap<u8, String>,
}

impl Message {
    pub fn new(mti: impl Into<String>) -> Message {
        Message {
            mti: mti.into(),
            fields: BTreeMap::new(),
        }
    }

    pub fn set(&mut self, field: u8, value: impl Into<String>) -> &mut Message {
        self.fields.insert(field, value.into());
        self
    }

    pub fn with(mut self, field: u8, value: impl Into<String>) -> Message {
        self.fields.insert(field, value.into());
        self
    }

    pub fn get(&self, field: u8) -> Option<&str> {
        self.fields.get(&field).map(String::as_str)
    }

    pub fn remove(&mut self, field: u8) -> Option<String> {
        self.fields.remove(&field)
    }

    pub fn fields(&self) -> impl Iterator<Item = (u8, &str)> {
        self.fields.iter().map(|(k, v)| (*k, v.as_str()))
    }
}

/// What `Debug` (and so every log line) may show of a field: the card
/// number masked, track data, PIN blocks, chip data and key material only
/// by their length.
fn shown(field: u8, value: &str) -> String {
    match field {
        2 => mask_pan(value),
        35 | 36 | 52 | 53 | 55 | 62 => format!("<{} hidden>", value.len()),
        _ => value.to_string(),
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        map.entry(&"mti", &self.mti);
        for (field, value) in &self.fields {
            map.entry(field, &shown(*field, value));
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_card_data_and_keys() {
        let msg = Message::new("0200")
            .with(2, "6221235200000000001")
            .with(35, "6221235200000000001D2512")
            .with(52, "0123456789ABCDEF")
            .with(62, "00112233445566778899AABBCCDDEEFF")
            .with(4, "000000000100");
        let shown = format!("{msg:?}");
        assert!(!shown.contains("6221235200000000001"), "{shown}");
        assert!(shown.contains("622123*********0001"), "{shown}");
        assert!(!shown.contains("0123456789ABCDEF"), "{shown}");
        assert!(!shown.contains("00112233"), "{shown}");
        assert!(shown.contains("000000000100"), "{shown}");
    }
}

//! The sample purchase whose POSP encoding the pyiso8583 check re-encodes.

use juhe_channel_bankcard::codec::Message;

pub fn sample_purchase() -> Message {
    Message::new("0200")
        .with(2, "6221235200000000001")
        .with(3, "000000")
        .with(4, "000000004993")
        .with(11, "000123")
        .with(14, "2512")
        .with(22, "051")
        .with(23, "001")
        .with(25, "00")
        .with(26, "12")
        .with(35, "6221235200000000001D2512101")
        .with(41, "01007611")
        .with(42, "898150148141650")
        .with(49, "156")
        .with(52, "A1B2C3D4E5F60718")
        .with(53, "2600000000000000")
        .with(55, "9F2608A1B2C3D4E5F60718")
        .with(60, "22000001000")
        .with(64, "0102030405060708")
}

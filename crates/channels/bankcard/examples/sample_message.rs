//! Prints the POSP encoding of a sample purchase as hex, for checking with
//! another ISO 8583 implementation (`sdk-check/check.py` does it with pyiso8583).

#[path = "../tests/common/sample.rs"]
mod sample;

use juhe_channel_bankcard::codec::encode;
use juhe_channel_bankcard::codec::posp::POSP;

fn main() {
    match encode(&POSP, &sample::sample_purchase()) {
        Ok(bytes) => println!("{}", hex::encode_upper(bytes)),
        Err(e) => {
            eprintln!("cannot encode the sample: {e}");
            std::process::exit(1);
        }
    }
}

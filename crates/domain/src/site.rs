//! Sites (where money is taken) and their terminals (what takes it).

/// Kinds of site. The string form is stored; never renamed.
pub const SITE_KINDS: &[&str] = &[
    "toll_plaza",
    "fuel_station",
    "gas_station",
    "hydrogen_station",
    "ev_charging",
    "outlet",
    "biller_office",
];

/// Kinds of terminal. The string form is stored; never renamed.
pub const TERMINAL_KINDS: &[&str] = &[
    "toll_lane",
    "pos",
    "kiosk",
    "payment_pillar",
    "set_top_box",
    "dispenser_nozzle",
    "charge_point",
    "plate_camera",
];

pub fn is_site_kind(kind: &str) -> bool {
    SITE_KINDS.contains(&kind)
}

pub fn is_terminal_kind(kind: &str) -> bool {
    TERMINAL_KINDS.contains(&kind)
}

/// Terminal serial numbers: 1–64 of ASCII letters, digits, `-`, `_`, `.`
/// (what device labels and lane ids look like), case kept.
pub fn is_serial_no(serial: &str) -> bool {
    (1..=64).contains(&serial.len())
        && serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_serials() {
        assert!(is_site_kind("toll_plaza") && !is_site_kind("moon_base"));
        assert!(is_terminal_kind("charge_point") && !is_terminal_kind(""));
        assert!(is_serial_no("LANE-07_a.1"));
        assert!(!is_serial_no("") && !is_serial_no("lane 7") && !is_serial_no(&"x".repeat(65)));
    }
}

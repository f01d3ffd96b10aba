//! docs/errors.md stays true: every code is listed once with its HTTP status.

use juhe_domain::ErrorCode;
use juhe_gateway::error::status_for;

#[test]
fn every_code_is_documented_with_its_status() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/errors.md")).expect("docs/errors.md");
    let rows: Vec<(&str, &str)> = doc
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() >= 4 && cells[1].starts_with('`')).then(|| (cells[1].trim_matches('`'), cells[2]))
        })
        .collect();
    for code in ErrorCode::ALL {
        let found: Vec<_> = rows.iter().filter(|(c, _)| *c == code.as_str()).collect();
        assert_eq!(found.len(), 1, "{code} must appear exactly once in docs/errors.md");
        assert_eq!(
            found[0].1,
            status_for(*code).as_u16().to_string(),
            "documented status of {code}"
        );
    }
    assert_eq!(
        rows.len(),
        ErrorCode::ALL.len(),
        "docs/errors.md lists a code the API does not have"
    );
}

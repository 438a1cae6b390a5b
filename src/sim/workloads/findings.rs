//! What the kafka and txn checkers share in recording their findings: a table of anomaly
//! cases by type name, and a note that lists names.

use serde_json::Value;
use std::collections::BTreeMap;

/// Every case found, by anomaly type; a type appears only once it has a case.
pub(crate) type CasesByType = BTreeMap<String, Vec<Value>>;

/// Adds `cases` under `name`, leaving the table unchanged when there are none (so an
/// anomaly type with no case is never listed).
pub(crate) fn add_cases(table: &mut CasesByType, name: &str, cases: Vec<Value>) {
    if !cases.is_empty() {
        table.entry(name.to_string()).or_default().extend(cases);
    }
}

/// `"<what>: a, b, c"`, or nothing when `names` is empty.
pub(crate) fn names_note<S: AsRef<str>>(what: &str, names: &[S]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    Some(format!("{what}: {}", names.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_case_lists_leave_no_entry() {
        let mut table = CasesByType::new();
        add_cases(&mut table, "G0", Vec::new());
        assert!(table.is_empty());
        add_cases(&mut table, "G0", vec![json!(1)]);
        add_cases(&mut table, "G0", vec![json!(2)]);
        assert_eq!(table["G0"], vec![json!(1), json!(2)]);
    }

    #[test]
    fn a_note_lists_names_or_is_absent() {
        assert_eq!(names_note::<&str>("seen", &[]), None);
        assert_eq!(
            names_note("seen", &["G0", "G1a"]).as_deref(),
            Some("seen: G0, G1a")
        );
    }
}

//! Re-fitting the timing model. `GLOMERS_REFIT=<field>=<v1>,<v2>,…` names one constant of
//! [`Timing::in_process`] by its path (`harness.hot.floor_ms`, `harness.cpu.gc_ms`,
//! `node.cold.spike_p`, …: the fields of `src/sim/network/timing/`) and the values to try;
//! the re-fit tools (`sim::fidelity::refit…`, `load_curve::refit…`) run their real-run fixtures
//! once per value and print how far each value puts the simulator from the real runs.

use glomers::sim::network::timing::Timing;

/// The variable that names the constant and its candidate values.
pub const VARIABLE: &str = "GLOMERS_REFIT";

/// The fitted model with `field` set to each value, labelled; `None` (saying how to ask)
/// without the variable. A malformed variable or an unknown field panics with the reason (this
/// is a tool).
pub fn candidates() -> Option<(String, Vec<(String, Timing)>)> {
    let Ok(spec) = std::env::var(VARIABLE) else {
        eprintln!("set {VARIABLE}=<field>=<v1>,<v2>,… to re-fit one constant");
        return None;
    };
    let (field, values) = spec
        .split_once('=')
        .unwrap_or_else(|| panic!("{VARIABLE}={spec:?}: expected <field>=<v1>,<v2>,…"));
    let fitted = serde_json::to_value(Timing::in_process()).expect("the model serialises");
    let pointer = format!("/{}", field.replace('.', "/"));
    let current = fitted
        .pointer(&pointer)
        .unwrap_or_else(|| panic!("{VARIABLE}: no field {field} in the timing model: {fitted}"));
    let integer = current.is_u64();
    let timings = values
        .split(',')
        .map(|v| {
            let value: f64 = v
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{VARIABLE}: {v:?} is not a number"));
            let mut json = fitted.clone();
            if let Some(slot) = json.pointer_mut(&pointer) {
                *slot = if integer {
                    serde_json::json!(value.round() as u64)
                } else {
                    serde_json::json!(value)
                };
            }
            let timing: Timing = serde_json::from_value(json)
                .unwrap_or_else(|e| panic!("{VARIABLE}: {field}={v}: {e}"));
            (v.trim().to_string(), timing)
        })
        .collect();
    Some((format!("{field} (fitted: {current})"), timings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_set_by_its_path_and_nothing_else_changes() {
        let fitted = Timing::in_process();
        let json = serde_json::to_value(fitted).expect("serialises");
        let floor = json.pointer("/harness/hot/floor_ms").expect("a field");
        let mut changed = json.clone();
        *changed
            .pointer_mut("/harness/hot/floor_ms")
            .expect("a field") = serde_json::json!(9.0);
        let back: Timing = serde_json::from_value(changed).expect("deserialises");
        let harness = back.harness.expect("harness costs");
        assert_eq!(harness.hot.floor_ms, 9.0);
        assert_ne!(floor.as_f64(), Some(9.0));
        let mut restored = back;
        if let (Some(h), Some(f)) = (restored.harness.as_mut(), fitted.harness) {
            h.hot.floor_ms = f.hot.floor_ms;
        }
        assert_eq!(restored, fitted);
    }
}

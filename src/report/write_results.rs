//! A results map (Maelstrom's `results.edn` shape, held as JSON) as `results.edn` text. JSON
//! does not say which strings were keywords, so the rules are Maelstrom's conventions: map
//! keys are keywords (`:valid?`, `:msgs-per-op`), except numbers (the quantiles of
//! `:stable-latencies {0 0, 0.5 134, …}`, broadcast elements) and kafka's keys, which are
//! strings (`"8"`); the values of naming keys (`:outcome :stable`, `:anomaly-types (:G1c)`,
//! `:valid? :unknown`) are keywords; operations quoted in a result are Jepsen records
//! (`#jepsen.history.Op{…}`). The top level lists checkers in Maelstrom's order with the merged
//! `:valid?` last. Reading the text back with [`super::edn`] gives the same JSON.

use super::edn::{writer, Value};
use serde_json::{Map, Value as Json};

/// Keys whose string values (or the strings in whose lists) are names, written as keywords.
const NAMING_KEYS: [&str; 13] = [
    "valid?",
    "outcome",
    "type",
    "f",
    "anomaly-types",
    "also-observed",
    "consistency-models",
    "not",
    "also-not",
    "error-types",
    "bad-error-types",
    "info-txn-causes",
    "version-order-sources",
];

/// Maelstrom's checkers in the order its `results.edn` lists them.
const CHECKER_ORDER: [&str; 7] = [
    "perf",
    "timeline",
    "exceptions",
    "stats",
    "availability",
    "net",
    "workload",
];

/// The keys of an operation, in Jepsen's order.
const OP_KEYS: [&str; 6] = ["index", "time", "type", "process", "f", "value"];

/// `results` as the text of `results.edn` for a run of Maelstrom workload `workload`.
pub fn results_edn(results: &Json, workload: &str) -> String {
    writer::pretty(&to_edn(results, workload))
}

/// `results` as an EDN value (see the module header for the rules).
pub fn to_edn(results: &Json, workload: &str) -> Value {
    let style = Style {
        numeric_keys: workload != "kafka",
    };
    match results {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            let rank = |k: &str| match CHECKER_ORDER.iter().position(|c| *c == k) {
                Some(i) => i,
                None if k == "valid?" => CHECKER_ORDER.len() + 1,
                None => CHECKER_ORDER.len(),
            };
            keys.sort_by_key(|k| rank(k));
            Value::Map(
                keys.into_iter()
                    .map(|k| (style.key(k), style.value(k, &map[k])))
                    .collect(),
            )
        }
        other => style.value("", other),
    }
}

struct Style {
    /// Whether keys that are numbers are written as numbers (kafka's keys are strings).
    numeric_keys: bool,
}

impl Style {
    fn key(&self, k: &str) -> Value {
        if self.numeric_keys {
            // Only a key whose number prints back as the same text: the reader names keys
            // that are not keywords by their EDN text.
            if let Ok(i) = k.parse::<i64>() {
                if i.to_string() == k {
                    return Value::Integer(i);
                }
            }
            if let Ok(x) = k.parse::<f64>() {
                if x.is_finite() && k.contains('.') && Value::Float(x).to_string() == k {
                    return Value::Float(x);
                }
            }
        }
        if writer::is_keyword_name(k) {
            Value::Keyword(k.to_string())
        } else {
            Value::String(k.to_string())
        }
    }

    /// The value under key `key`.
    fn value(&self, key: &str, v: &Json) -> Value {
        let naming = NAMING_KEYS.contains(&key);
        match v {
            Json::String(s) if naming && writer::is_keyword_name(s) => Value::Keyword(s.clone()),
            Json::String(s) if key == "process" && s == "nemesis" => Value::Keyword(s.clone()),
            Json::Array(items) => {
                Value::Vector(items.iter().map(|item| self.value(key, item)).collect())
            }
            Json::Object(map) if is_op(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| OP_KEYS.iter().position(|o| o == k).unwrap_or(OP_KEYS.len()));
                Value::Tagged("jepsen.history.Op".into(), Box::new(self.map(map, keys)))
            }
            Json::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                // Checkers list their verdict first.
                keys.sort_by_key(|k| *k != "valid?");
                self.map(map, keys)
            }
            other => super::write_history::plain(other),
        }
    }

    fn map(&self, map: &Map<String, Json>, keys: Vec<&String>) -> Value {
        Value::Map(
            keys.into_iter()
                .map(|k| (self.key(k), self.value(k, &map[k])))
                .collect(),
        )
    }
}

/// Whether a map is an operation quoted from the history.
fn is_op(map: &Map<String, Json>) -> bool {
    ["index", "time", "type", "f"]
        .iter()
        .all(|k| map.contains_key(*k))
}

#[cfg(test)]
mod tests {
    use super::super::edn;
    use super::*;
    use serde_json::json;

    fn sample() -> Json {
        json!({
            "stats": {"valid?": true, "count": 3, "by-f": {"read": {"valid?": true, "count": 3}}},
            "availability": {"valid?": true, "ok-fraction": 1.0},
            "net": {"all": {"msg-count": 9, "msgs-per-op": 3.0}, "servers": {"msgs-per-op": 1.5204082}, "valid?": true},
            "workload": {
                "valid?": "unknown",
                "stable-latencies": {"0": 0, "0.5": 134, "0.95": 241.0, "1": 346},
                "duplicated": {"12": 2},
                "anomaly-types": ["G1c", "lost-update"],
                "worst-stale": [{"element": 3, "outcome": "stable",
                    "known": {"f": "add", "index": 17, "process": 2, "time": 437, "type": "ok", "value": 3}}],
                "note": "free text, with \"quotes\""
            },
            "valid?": "unknown"
        })
    }

    #[test]
    fn reads_back_as_the_same_json() {
        let text = results_edn(&sample(), "broadcast");
        let back = edn::to_json(&edn::parse(&text).unwrap());
        assert_eq!(back, sample(), "{text}");
        let kafka = json!({"workload": {"unseen": {"8": 3}, "valid?": true}, "valid?": true});
        let text = results_edn(&kafka, "kafka");
        assert!(text.contains(r#"{"8" 3}"#), "{text}");
        assert_eq!(edn::to_json(&edn::parse(&text).unwrap()), kafka);
    }

    #[test]
    fn keywords_numbers_and_records_where_maelstrom_has_them() {
        let text = results_edn(&sample(), "broadcast");
        assert!(text.starts_with("{:stats {:valid? true,"), "{text}");
        assert!(text.trim_end().ends_with(":valid? :unknown}"), "{text}");
        for expected in [
            ":stable-latencies {0 0, 0.5 134, 0.95 241.0, 1 346}",
            ":duplicated {12 2}",
            ":anomaly-types [:G1c :lost-update]",
            ":outcome :stable",
            "#jepsen.history.Op{:index 17,",
            ":type :ok,",
            ":msgs-per-op 1.5204082",
            r#":note "free text, with \"quotes\"""#,
        ] {
            assert!(text.contains(expected), "{expected} not in\n{text}");
        }
    }
}

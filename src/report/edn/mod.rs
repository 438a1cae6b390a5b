//! Maelstrom's EDN (`results.edn`, `history.edn`): [`reader`] turns text into [`Value`]s with a
//! nesting limit, [`value`] holds the value type and its JSON form, [`writer`] prints values
//! back as Clojure does.

pub(crate) mod reader;
pub(crate) mod value;
pub(crate) mod writer;

pub use reader::{parse, Error, ErrorKind, MAX_DEPTH};
pub use value::{name_of, to_json, Value};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value as Json};

    #[test]
    fn reads_records_sets_float_keys_and_primes() {
        let v = parse(
            "{:a #jepsen.history.Op{:index 3} :b #{1} :c {0 1, 0.5 2} :value' \"it's\" :e nil}",
        )
        .unwrap();
        let j = to_json(&v);
        assert_eq!(j["a"]["index"], 3);
        assert_eq!(j["b"], json!([1]));
        assert_eq!(j["c"]["0.5"], 2);
        assert_eq!(j["value'"], "it's");
        assert_eq!(j["e"], Json::Null);
    }
}

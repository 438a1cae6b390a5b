//! Reading Maelstrom's EDN (`results.edn`, `history.edn`): [`reader`] turns text into
//! [`Value`]s with a nesting limit, [`value`] holds the value type and its JSON form.

pub mod reader;
pub mod value;

#[cfg(test)]
mod legacy;

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

    /// Every real `results.edn` and every line of every real `history.edn` reads to the same
    /// JSON as with the former `edn-format` reader (whose `:value'` keywords it renamed
    /// `value_prime`; the new reader keeps Elle's name).
    #[test]
    fn same_json_as_the_former_reader_on_every_real_file() {
        fn unprime(j: Json) -> Json {
            match j {
                Json::Object(map) => Json::Object(
                    map.into_iter()
                        .map(|(k, v)| {
                            let k = match k.strip_suffix("_prime") {
                                Some(base) => format!("{base}'"),
                                None => k,
                            };
                            (k, unprime(v))
                        })
                        .collect(),
                ),
                Json::Array(items) => Json::Array(items.into_iter().map(unprime).collect()),
                other => other,
            }
        }
        let roots = [
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")),
            std::path::PathBuf::from("/work/shared/fixtures"),
        ];
        let mut files = Vec::new();
        let mut stack: Vec<std::path::PathBuf> = roots.into_iter().filter(|r| r.is_dir()).collect();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "edn") {
                    files.push(path);
                }
            }
        }
        let (mut forms, mut deepest) = (0, 0);
        for path in &files {
            let text = std::fs::read_to_string(path).unwrap();
            let units: Vec<&str> = if path.ends_with("history.edn") {
                text.lines().filter(|l| !l.trim().is_empty()).collect()
            } else {
                vec![&text]
            };
            for unit in units {
                let old = unprime(legacy::to_json(&legacy::parse(unit).unwrap()));
                let new = to_json(&parse(unit).unwrap());
                assert_eq!(old, new, "{} differs on {unit:.200}", path.display());
                forms += 1;
                deepest = deepest.max(depth(&parse(unit).unwrap()));
            }
        }
        eprintln!("{} files, {forms} forms, deepest nesting {deepest}", files.len());
        assert!(files.len() >= 10 && forms > 1000, "{} files", files.len());
    }

    fn depth(v: &Value) -> usize {
        match v {
            Value::List(items) | Value::Vector(items) | Value::Set(items) => {
                1 + items.iter().map(depth).max().unwrap_or(0)
            }
            Value::Map(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| depth(k).max(depth(v)))
                    .max()
                    .unwrap_or(0)
            }
            Value::Tagged(_, inner) => 1 + depth(inner),
            _ => 0,
        }
    }
}

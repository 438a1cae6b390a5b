//! Tests of the EDN reader: every kind of value Maelstrom prints, the nesting limit, and errors
//! with their positions.

use super::*;

fn kind(text: impl AsRef<[u8]>) -> ErrorKind {
    parse(text).unwrap_err().kind
}

#[test]
fn reads_every_kind_of_value_maelstrom_prints() {
    let v = parse(
        "; a comment\n{:valid? true, :ns/kw nil, :value' \"a\\\"b\\n\\u00e9\\ud83d\\ude00\" \
         :ints [0 -7 +3 9223372036854775808 12N 1.5M 1/3] \
         :floats (0.5 1e-3 -2.5E2 ##Inf ##-Inf) \
         :chars [\\a \\newline \\space \\u0041 \\(] \
         :set #{:b :a} :rec #jepsen.history.Op{:index 3} :inst #inst \"2026-01-01T00:00:00Z\" \
         :gone #_ [1 2] :kept, :sym sym/bol, :false false}",
    )
    .unwrap();
    assert_eq!(v.get("valid?"), Some(&Value::Bool(true)));
    assert_eq!(v.get("ns/kw"), Some(&Value::Nil));
    assert_eq!(
        v.get("value'"),
        Some(&Value::String("a\"b\né\u{1F600}".into()))
    );
    assert_eq!(
        v.get("ints"),
        Some(&Value::Vector(vec![
            Value::Integer(0),
            Value::Integer(-7),
            Value::Integer(3),
            Value::BigInt("9223372036854775808".into()),
            Value::BigInt("12".into()),
            Value::BigDec("1.5".into()),
            Value::Ratio {
                numerator: "1".into(),
                denominator: "3".into()
            },
        ]))
    );
    let Some(Value::List(floats)) = v.get("floats") else {
        panic!("floats: {v:?}")
    };
    assert_eq!(
        floats[..3],
        [Value::Float(0.5), Value::Float(1e-3), Value::Float(-250.0)]
    );
    assert_eq!(floats[3], Value::Float(f64::INFINITY));
    assert_eq!(floats[4], Value::Float(f64::NEG_INFINITY));
    assert!(matches!(parse("##NaN"), Ok(Value::Float(x)) if x.is_nan()));
    assert_eq!(
        v.get("chars"),
        Some(&Value::Vector(
            ['a', '\n', ' ', 'A', '('].map(Value::Char).to_vec()
        ))
    );
    assert_eq!(
        v.get("set"),
        Some(&Value::Set(vec![
            Value::Keyword("b".into()),
            Value::Keyword("a".into())
        ]))
    );
    assert_eq!(
        v.get("rec").and_then(|r| r.get("index")),
        Some(&Value::Integer(3))
    );
    assert_eq!(
        v.get("inst"),
        Some(&Value::Tagged(
            "inst".into(),
            Box::new(Value::String("2026-01-01T00:00:00Z".into()))
        ))
    );
    assert_eq!(v.get("gone"), Some(&Value::Keyword("kept".into())));
    assert_eq!(v.get("sym"), Some(&Value::Symbol("sym/bol".into())));
    assert_eq!(v.get("false"), Some(&Value::Bool(false)));
}

#[test]
fn json_sorts_sets_and_prints_odd_keys_as_edn() {
    let v = parse("{#{\"n1\" \"n0\"} 1, [1 2] 2, 0.5 3, 1.0 4, :s #{3 1 2}, :r 1/4}").unwrap();
    let j = super::super::to_json(&v);
    assert_eq!(j["#{\"n1\" \"n0\"}"], 1);
    assert_eq!(j["[1 2]"], 2);
    assert_eq!(j["0.5"], 3);
    assert_eq!(j["1"], 4);
    assert_eq!(j["s"], serde_json::json!([1, 2, 3]));
    assert_eq!(j["r"], 0.25);
}

#[test]
fn nesting_is_capped_at_max_depth() {
    let at_limit = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(parse(&at_limit).is_ok());
    let over = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert_eq!(kind(&over), ErrorKind::TooDeep);
    // Far past the limit, in every nesting form, the reader stops rather than recursing.
    for open in ["[", "(", "{:k ", "#{", "#tag ", "#_ "] {
        let text = open.repeat(200_000);
        let err = parse(&text).unwrap_err();
        assert!(err.is_too_deep(), "{open}: {err}");
        assert_eq!(err.line, 1);
    }
}

#[test]
fn malformed_text_is_an_error_with_its_position() {
    let err = parse("{:a 1\n :b [1 2}").unwrap_err();
    assert_eq!((err.line, err.column), (2, 9));
    assert_eq!(err.kind, ErrorKind::Unexpected('}'));
    assert_eq!(kind(""), ErrorKind::Empty);
    assert_eq!(kind(" ; only a comment"), ErrorKind::Empty);
    assert_eq!(kind("[1 2"), ErrorKind::UnexpectedEnd);
    assert_eq!(kind("\"open"), ErrorKind::UnexpectedEnd);
    assert_eq!(kind("{:a}"), ErrorKind::OddMap);
    assert_eq!(kind("1.2.3"), ErrorKind::BadNumber("1.2.3".into()));
    assert_eq!(kind("12abc"), ErrorKind::BadNumber("12abc".into()));
    assert_eq!(kind(":"), ErrorKind::BadToken(":".into()));
    assert_eq!(kind("##Bogus"), ErrorKind::BadToken("##Bogus".into()));
    assert_eq!(kind("\"\\q\""), ErrorKind::BadEscape("\\q".into()));
    assert_eq!(
        kind("\"\\ud800x\""),
        ErrorKind::BadEscape("\\ud800x\"".into())
    );
    assert_eq!(kind("\\bogus"), ErrorKind::BadChar("\\bogus".into()));
    assert_eq!(
        kind("#\"re\""),
        ErrorKind::Unsupported("regular expressions")
    );
    assert_eq!(
        kind("#:ns{:a 1}"),
        ErrorKind::Unsupported("namespaced maps")
    );
    assert_eq!(kind("1 2"), ErrorKind::TrailingData);
    assert_eq!(kind("#"), ErrorKind::UnexpectedEnd);
    assert_eq!(kind("\\"), ErrorKind::UnexpectedEnd);
    assert_eq!(kind(b"\"\xff\""), ErrorKind::InvalidUtf8);
    assert_eq!(kind(b"ab\xffc"), ErrorKind::InvalidUtf8);
    let shown = parse("[1 2").unwrap_err().to_string();
    assert_eq!(
        shown,
        "invalid EDN at line 1, column 5: the text ends inside a form"
    );
}

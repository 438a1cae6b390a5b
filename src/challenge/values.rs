//! The value types of Maelstrom's options, one per option, each validated where it is parsed:
//! `FromStr` is the single parser behind the command line, the profiles file and a logged
//! Maelstrom command line, so a value that is out of range is refused with the option's name
//! and the accepted range wherever it comes from. The ranges are Maelstrom's own where it has
//! one, and otherwise bounds past which a run cannot be meaningful on one machine.

use std::fmt;
use std::str::FromStr;

/// A Maelstrom option's value: how it reads, how it prints, and the flag it belongs to.
pub(crate) trait OptionValue: FromStr<Err = String> + fmt::Display + Clone {
    /// The flag, without its leading dashes (`node-count`).
    const FLAG: &'static str;
}

/// Makes `$name` the value of `--$flag`. Every source of a value (command line, profiles
/// file, logged command line) may pad it with blanks, so `FromStr` trims here, once, and
/// `$read` (a `fn(&str) -> Result<$name, String>`) sees only the value itself.
macro_rules! option_value {
    ($name:ident, $flag:expr, $read:expr) => {
        impl OptionValue for $name {
            const FLAG: &'static str = $flag;
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                let read: fn(&str) -> Result<$name, String> = $read;
                read(text.trim())
            }
        }
    };
}

/// A number an option's value is held in: how text reads as one, how the accepted range is
/// said, and how it prints on Maelstrom's command line. Whole and real options share one
/// declaration ([`bounded_numbers!`]) and differ only here.
trait Number: Copy + PartialOrd + fmt::Display {
    /// The number `text` spells, or what is wrong with it (`is not a whole number`).
    fn read(text: &str) -> Result<Self, &'static str>;
    /// Whether a run could use the value at all (reals must be finite).
    fn is_finite(self) -> bool;
    /// The accepted range in words, for error messages.
    fn accepted(lo: Self, hi: Self, unit: &str) -> String;
    /// The value as Maelstrom's command line takes it.
    fn show(self) -> String;
}

impl Number for u32 {
    fn read(text: &str) -> Result<u32, &'static str> {
        // Digits past u32 still spell a whole number, so they are out of range, not malformed.
        match text.parse::<u64>() {
            Ok(wide) => u32::try_from(wide).map_err(|_| "is out of range"),
            Err(_) => Err("is not a whole number"),
        }
    }

    fn is_finite(self) -> bool {
        true
    }

    fn accepted(lo: u32, hi: u32, unit: &str) -> String {
        format!("accepted: {lo}..={hi}{unit}")
    }

    fn show(self) -> String {
        self.to_string()
    }
}

impl Number for f64 {
    fn read(text: &str) -> Result<f64, &'static str> {
        text.parse().map_err(|_| "is not a number")
    }

    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }

    fn accepted(lo: f64, hi: f64, unit: &str) -> String {
        format!("accepted: a number from {lo} to {hi}{unit}")
    }

    fn show(self) -> String {
        fmt_real(self)
    }
}

/// `value` if it is finite and lies in `lo..=hi`; otherwise why not, with the accepted range.
fn in_range<T: Number>(value: T, lo: T, hi: T, unit: &str) -> Result<T, String> {
    let problem = if !value.is_finite() {
        "is not a finite number"
    } else if value < lo || value > hi {
        "is out of range"
    } else {
        return Ok(value);
    };
    Err(format!("{value} {problem}; {}", T::accepted(lo, hi, unit)))
}

/// The number `text` spells, or why it is none, with the accepted range.
fn read_number<T: Number>(text: &str, lo: T, hi: T, unit: &str) -> Result<T, String> {
    T::read(text).map_err(|problem| format!("{text:?} {problem}; {}", T::accepted(lo, hi, unit)))
}

/// Declares numeric options held in `$repr` (a [`Number`]), each with an inclusive range;
/// `$derives` are the derives `$repr` allows beyond the common ones.
macro_rules! bounded_numbers {
    ($repr:ty, $derives:tt {
        $($(#[$doc:meta])* $name:ident, $flag:literal, $lo:expr, $hi:expr, $unit:literal;)*
    }) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
        #[derive $derives]
        pub(crate) struct $name($repr);

        impl $name {
            const MIN: $repr = $lo;
            const MAX: $repr = $hi;
            const UNIT: &'static str = $unit;

            /// The value, known to be finite and in `MIN..=MAX`.
            pub(crate) fn get(self) -> $repr {
                self.0
            }

            /// `value` if it lies in range (the one check behind parsing and building).
            pub(crate) fn new(value: $repr) -> Result<Self, String> {
                in_range(value, Self::MIN, Self::MAX, Self::UNIT).map($name)
            }
        }

        option_value!($name, $flag, |text| {
            $name::new(read_number(text, $name::MIN, $name::MAX, $name::UNIT)?)
        });

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0.show())
            }
        }
    )*};
}

/// A real number as Maelstrom's command line takes it: integral values without a fraction.
pub(crate) fn fmt_real(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

bounded_numbers! { u32, (Eq, Ord) {
    /// `--node-count`: nodes n0..n{N-1}.
    NodeCount, "node-count", 1, 100, " nodes";
    /// `--time-limit`: seconds of client operations.
    TimeLimit, "time-limit", 1, 3600, " seconds";
    /// `--latency`: mean one-way latency in ms between servers and to services.
    Latency, "latency", 0, 60_000, " ms";
    /// `--key-count`: keys of the transactional and kafka workloads.
    KeyCount, "key-count", 1, 1000, " keys";
    /// `--max-txn-length`: most micro-operations in one transaction.
    MaxTxnLength, "max-txn-length", 1, 1000, " micro-operations";
    /// `--max-writes-per-key`: writes to one key before it is retired.
    MaxWritesPerKey, "max-writes-per-key", 1, 1_000_000, " writes";
}}

bounded_numbers! { f64, () {
    /// `--rate`: approximate total requests per second across all clients. Maelstrom accepts 0
    /// ("sleep only"), but a run with no operations cannot be judged, so 0 is refused.
    Rate, "rate", 0.001, 100_000.0, " requests per second";
    /// `--nemesis-interval`: mean seconds between one fault's start and stop (each fault
    /// keeps its own schedule).
    NemesisInterval, "nemesis-interval", 0.1, 3600.0, " seconds";
    /// `--nemesis-loss`: the fraction of node-to-node messages dropped while `loss` is on.
    NemesisLoss, "nemesis-loss", 0.0, 1.0, " (a fraction of messages)";
    /// `--nemesis-duplicate`: the fraction of node-to-node messages delivered twice while
    /// `duplicate` is on.
    NemesisDuplicate, "nemesis-duplicate", 0.0, 1.0, " (a fraction of messages)";
}}

bounded_numbers! { u32, (Eq, Ord) {
    /// `--nemesis-delay`: the mean extra latency, in ms, of a node-to-node message while
    /// `delay` is on (exponentially distributed, so messages overtake each other).
    NemesisDelay, "nemesis-delay", 0, 60_000, " ms";
}}

/// The largest client count any `--concurrency` may resolve to.
const MAX_CLIENTS: u32 = 10_000;

/// `--concurrency`: a client count, or `<k>n` for k clients per node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Concurrency {
    Clients(u32),
    PerNode(u32),
}

impl Concurrency {
    /// The client count for `nodes` nodes, refused past [`MAX_CLIENTS`] (never wrapped).
    pub(crate) fn clients(self, nodes: NodeCount) -> Result<u32, String> {
        let total = match self {
            Concurrency::Clients(n) => Some(n),
            Concurrency::PerNode(k) => k.checked_mul(nodes.get()),
        };
        match total {
            Some(n) if n <= MAX_CLIENTS => Ok(n),
            _ => Err(format!(
                "--concurrency {self} with {} nodes asks for more than {MAX_CLIENTS} clients",
                nodes.get()
            )),
        }
    }
}

option_value!(Concurrency, "concurrency", |text| {
    let range = format!("accepted: N or Kn (K clients per node), 1..={MAX_CLIENTS} clients");
    let (digits, per_node) = match text.strip_suffix('n') {
        Some("") => ("1", true),
        Some(k) => (k, true),
        None => (text, false),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not N or Kn; {range}"))?;
    if n == 0 || n > u64::from(MAX_CLIENTS) {
        return Err(format!("{text:?} is out of range; {range}"));
    }
    let n = n as u32;
    Ok(if per_node {
        Concurrency::PerNode(n)
    } else {
        Concurrency::Clients(n)
    })
});

impl fmt::Display for Concurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Concurrency::Clients(n) => write!(f, "{n}"),
            Concurrency::PerNode(k) => write!(f, "{k}n"),
        }
    }
}

/// `--availability`: `total`, or the fraction of operations that must succeed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Availability {
    Total,
    Fraction(f64),
}

option_value!(Availability, "availability", |text| match text {
    "total" => Ok(Availability::Total),
    _ => match text.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(Availability::Fraction(f)),
        _ => Err(format!(
            "{text:?} is neither `total` nor a fraction; accepted: total, or 0 to 1"
        )),
    },
});

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Availability::Total => f.write_str("total"),
            Availability::Fraction(x) => f.write_str(&fmt_real(*x)),
        }
    }
}

/// Declares an option whose value is one of a fixed set of words.
macro_rules! word_choice {
    ($(#[$doc:meta])* $name:ident, $flag:literal, $($variant:ident = $word:literal),+) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub(crate) const WORDS: &'static [&'static str] = &[$($word),+];

            pub(crate) fn word(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        option_value!($name, $flag, |text| match text {
            $($word => Ok($name::$variant),)+
            other => Err(format!(
                "{other:?} is not known; accepted: {}",
                $name::WORDS.join(", ")
            )),
        });

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.word())
            }
        }
    };
}

word_choice!(
    /// `--latency-dist`.
    LatencyDist, "latency-dist",
    Constant = "constant", Uniform = "uniform", Exponential = "exponential"
);
word_choice!(
    /// One fault `--nemesis` can name. Maelstrom 0.2.4 injects `partition` alone; the others
    /// are the simulator's (see [`Fault::needs_sim`]).
    Fault, "nemesis",
    Partition = "partition", Kill = "kill", Pause = "pause",
    PartitionOneway = "partition-oneway", Loss = "loss", Duplicate = "duplicate",
    Delay = "delay"
);

impl Fault {
    /// Whether only the simulator can inject it: Maelstrom 0.2.4's `--nemesis` accepts
    /// `partition` and nothing else (`maelstrom.core/nemeses`).
    pub(crate) fn needs_sim(self) -> bool {
        self != Fault::Partition
    }
}

/// `--nemesis`: a comma-separated set of faults, split as Maelstrom splits it (commas with
/// optional blanks around them). Held in declaration order, so it prints one way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nemesis(std::collections::BTreeSet<Fault>);

impl Nemesis {
    /// The faults, in declaration order.
    pub(crate) fn faults(&self) -> Vec<Fault> {
        self.0.iter().copied().collect()
    }
}

option_value!(Nemesis, "nemesis", |text| {
    let mut faults = std::collections::BTreeSet::new();
    for word in text.split(',').map(str::trim) {
        let fault: Fault = word.parse().map_err(|e: String| {
            if word.is_empty() {
                format!(
                    "{text:?} names no fault; accepted: a comma-separated set of {}",
                    Fault::WORDS.join(", ")
                )
            } else {
                e
            }
        })?;
        faults.insert(fault);
    }
    Ok(Nemesis(faults))
});

impl fmt::Display for Nemesis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|fault| fault.word()).collect();
        f.write_str(&words.join(","))
    }
}
word_choice!(
    /// `--topology`: the map Maelstrom suggests to broadcast nodes.
    Topology, "topology",
    Line = "line", Grid = "grid", Tree = "tree", Tree2 = "tree2", Tree3 = "tree3",
    Tree4 = "tree4", Total = "total"
);

/// `--consistency-models`: model names, checked by the transaction checker that knows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConsistencyModels(String);

impl ConsistencyModels {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

option_value!(ConsistencyModels, "consistency-models", |text| {
    if text.is_empty() || text.len() > 200 {
        return Err("expected one or more model names, e.g. read-committed".into());
    }
    Ok(ConsistencyModels(text.to_string()))
});

impl fmt::Display for ConsistencyModels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_refuse_what_cannot_run() {
        for bad in ["inf", "1e309", "nan", "-5", "0", "1e9", "NaN", "-inf"] {
            let err = bad.parse::<Rate>().unwrap_err();
            assert!(err.contains("accepted"), "{bad}: {err}");
        }
        assert_eq!("12.5".parse::<Rate>().unwrap().get(), 12.5);
        for bad in ["nan", "inf", "1e300", "0", "-1"] {
            assert!(bad.parse::<NemesisInterval>().is_err(), "{bad}");
        }
        assert!("0".parse::<NodeCount>().is_err());
        assert!("100000".parse::<TimeLimit>().is_err());
        assert!("4294967297".parse::<NodeCount>().is_err());
        assert_eq!("25".parse::<NodeCount>().unwrap().get(), 25);
    }

    #[test]
    fn concurrency_never_wraps() {
        let nodes: NodeCount = "25".parse().unwrap();
        // 171798692 × 25 wraps a u32 to 4: it must be refused, not run with 4 clients.
        assert!("171798692n".parse::<Concurrency>().is_err());
        assert!("100000000".parse::<Concurrency>().is_err());
        assert!("0".parse::<Concurrency>().is_err());
        let two_n: Concurrency = "2n".parse().unwrap();
        assert_eq!(two_n.clients(nodes).unwrap(), 50);
        assert!(Concurrency::PerNode(9_999).clients(nodes).is_err());
        assert_eq!("n".parse::<Concurrency>().unwrap(), Concurrency::PerNode(1));
    }

    #[test]
    fn nemesis_is_a_set_of_faults() {
        let n: Nemesis = "kill, partition ,loss,kill".parse().unwrap();
        assert_eq!(n.to_string(), "partition,kill,loss");
        assert_eq!(n.faults(), [Fault::Partition, Fault::Kill, Fault::Loss]);
        let err = "partition,crash".parse::<Nemesis>().unwrap_err();
        assert!(
            err.contains("\"crash\"") && err.contains("partition-oneway"),
            "{err}"
        );
        assert!(""
            .parse::<Nemesis>()
            .unwrap_err()
            .contains("names no fault"));
        assert!("partition,".parse::<Nemesis>().is_err());
        for bad in ["1.5", "-0.1", "nan"] {
            assert!(bad.parse::<NemesisLoss>().is_err(), "{bad}");
        }
        assert!("60001".parse::<NemesisDelay>().is_err());
    }

    #[test]
    fn words_and_fractions() {
        assert_eq!("tree3".parse::<Topology>().unwrap(), Topology::Tree3);
        assert!("ring".parse::<Topology>().unwrap_err().contains("grid"));
        assert_eq!(
            "total".parse::<Availability>().unwrap(),
            Availability::Total
        );
        assert!("nan".parse::<Availability>().is_err());
        assert!("1.5".parse::<Availability>().is_err());
        assert_eq!("1000".parse::<Rate>().unwrap().to_string(), "1000");
    }
}

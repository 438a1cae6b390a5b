//! Synthetic `history.edn` text shaped like Maelstrom's (client invocations and completions
//! of txn, broadcast and read operations, nemesis partitions, `:final?` reads), of any size,
//! for measuring the history reader on files far larger than the real fixtures.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{self, Write};

/// What was written, to check a reader against.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Written {
    pub bytes: u64,
    pub lines: u64,
    /// Client invocations.
    pub invocations: u64,
    /// Completions with `:type :ok`.
    oks: u64,
}

/// Writes operations until at least `target_bytes` have been written. Ten clients each
/// alternate one invocation and its completion; every 1 000th line is a nemesis operation.
pub fn write(out: &mut impl Write, target_bytes: u64, seed: u64) -> io::Result<Written> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut w = Written::default();
    let mut time: u64 = 30_000_000;
    let mut open: [Option<&'static str>; 10] = [None; 10];
    let mut line = String::with_capacity(512);
    while w.bytes < target_bytes {
        line.clear();
        time += rng.gen_range(10_000..2_000_000);
        let index = w.lines;
        if index % 1000 == 999 {
            line.push_str(&format!(
                "{{:index {index}, :time {time}, :type :info, :process :nemesis, :f :start-partition, \
                 :value [:isolated {{\"n2\" #{{\"n1\" \"n0\"}}, \"n1\" #{{\"n2\"}}, \"n0\" #{{\"n2\"}}}}]}}"
            ));
        } else {
            let process = rng.gen_range(0..open.len());
            match open[process].take() {
                None => {
                    let f = ["txn", "broadcast", "read"][rng.gen_range(0..3)];
                    let value = match f {
                        "txn" => format!(
                            "[[:r {} nil] [:w {} {}]]",
                            rng.gen_range(0..10),
                            rng.gen_range(0..10),
                            rng.gen_range(0..1000)
                        ),
                        "broadcast" => rng.gen_range(0..100_000).to_string(),
                        _ => "nil".to_string(),
                    };
                    line.push_str(&format!(
                        "{{:index {index}, :time {time}, :type :invoke, :process {process}, :f :{f}, :value {value}}}"
                    ));
                    open[process] = Some(f);
                    w.invocations += 1;
                }
                Some(f) => {
                    let kind = match rng.gen_range(0..100) {
                        0 => "fail",
                        1 => "info",
                        _ => "ok",
                    };
                    let value = match f {
                        "txn" => format!(
                            "[[:r {} {}] [:w {} {}]]",
                            rng.gen_range(0..10),
                            rng.gen_range(0..1000),
                            rng.gen_range(0..10),
                            rng.gen_range(0..1000)
                        ),
                        "read" => {
                            let n = rng.gen_range(0..40);
                            let items: Vec<String> =
                                (0..n).map(|i| (i * 7 + 3).to_string()).collect();
                            format!("[{}]", items.join(" "))
                        }
                        _ => "nil".to_string(),
                    };
                    let error = if kind == "ok" {
                        String::new()
                    } else {
                        ", :error [:net-timeout \"timed out after 5000 ms\"]".to_string()
                    };
                    let last = if index % 500 == 0 {
                        ", :final? true"
                    } else {
                        ""
                    };
                    line.push_str(&format!(
                        "{{:index {index}, :time {time}, :type :{kind}, :process {process}, :f :{f}, :value {value}{error}{last}}}"
                    ));
                    if kind == "ok" {
                        w.oks += 1;
                    }
                }
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        w.bytes += line.len() as u64;
        w.lines += 1;
    }
    Ok(w)
}

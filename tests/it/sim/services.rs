//! Maelstrom's services inside the whole simulator: reached over the simulated network (with
//! its latency, counted as servers' traffic), never cut off by partitions, and deterministic
//! by seed.

use glomers::challenge::TestOpts;
use glomers::challenge::Workload;
use glomers::history::OpType;
use glomers::node::{Ctx, Node};
use glomers::protocol::{Body, Message, MsgId, RpcError};
use glomers::sim::{run_with, SimConfig, SimRun};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// What the test nodes saw from the services: (node, service, reply body).
type Seen = Rc<RefCell<Vec<(String, String, Body)>>>;

/// Answers each client `echo` only after a round trip to `service`: `ts` for lin-tso, or for a
/// kv store a write of this node's own counter followed by a read of `watch`'s counter.
struct ServiceEcho {
    service: &'static str,
    watch: &'static str,
    writes: u64,
    waiting: BTreeMap<MsgId, Message>,
    seen: Seen,
}

impl ServiceEcho {
    fn new(service: &'static str, watch: &'static str, seen: &Seen) -> Self {
        ServiceEcho {
            service,
            watch,
            writes: 0,
            waiting: BTreeMap::new(),
            seen: Rc::clone(seen),
        }
    }
}

impl Node for ServiceEcho {
    fn on_message(&mut self, msg: Message, ctx: &mut Ctx) -> Result<(), RpcError> {
        if let Some(id) = msg.body.in_reply_to {
            self.seen
                .borrow_mut()
                .push((ctx.id.clone(), msg.src.clone(), msg.body.clone()));
            if let Some(req) = self.waiting.remove(&id) {
                let echo = req.body.fields.get("echo").cloned();
                ctx.reply(&req, Body::new("echo_ok").with("echo", echo));
            }
            return Ok(());
        }
        let body = if self.service == "lin-tso" {
            Body::new("ts")
        } else if ctx.id == self.watch {
            self.writes += 1;
            Body::new("write")
                .with("key", &ctx.id)
                .with("value", self.writes)
        } else {
            Body::new("read").with("key", self.watch)
        };
        let id = ctx.rpc(self.service, body);
        self.waiting.insert(id, msg);
        Ok(())
    }
}

fn config(seed: u64, latency: u32) -> SimConfig {
    let opts = TestOpts::parse_args(&[
        "--node-count",
        "3",
        "--time-limit",
        "10",
        "--rate",
        "50",
        "--latency",
        &latency.to_string(),
        "--nemesis",
        "partition",
        "--nemesis-interval",
        "1",
    ])
    .expect("valid options");
    SimConfig::new(Workload::Echo, opts, seed)
}

fn run(
    service: &'static str,
    watch: &'static str,
    seed: u64,
) -> (SimRun, Vec<(String, String, Body)>) {
    let seen: Seen = Rc::default();
    let cfg = config(seed, 10);
    let run = run_with(&cfg, &mut |_| {
        Ok(Box::new(ServiceEcho::new(service, watch, &seen)) as Box<dyn Node>)
    })
    .expect("simulation runs");
    let seen = seen.borrow().clone();
    (run, seen)
}

#[test]
fn services_answer_over_the_network_and_partitions_never_cut_them_off() {
    let (run, seen) = run("lin-tso", "", 1);
    let history = &run.outcome.history;
    let partitions = history.iter().filter(|o| o.f == "start-partition").count();
    assert!(
        partitions >= 2,
        "the nemesis partitioned {partitions} times"
    );
    // Every echo needed a service round trip, and every one succeeded despite partitions.
    let invoked = history
        .iter()
        .filter(|o| o.is_client() && o.kind == OpType::Invoke)
        .count();
    let ok = history
        .iter()
        .filter(|o| o.is_client() && o.kind == OpType::Ok)
        .count();
    assert!(invoked > 300);
    assert_eq!(ok, invoked, "every operation completed");
    assert_eq!(seen.len(), invoked);
    // Timestamps are unique, count up from 0 with no gap, and each node sees its own in the
    // order lin-tso served them (replies to different nodes pass through different receive
    // threads, so across nodes they may arrive in either order).
    let mut ts: Vec<u64> = seen
        .iter()
        .map(|(_, _, b)| b.get("ts").expect("ts_ok has ts"))
        .collect();
    let mut last: BTreeMap<&str, u64> = BTreeMap::new();
    for ((node, _, _), &t) in seen.iter().zip(&ts) {
        if let Some(prev) = last.insert(node.as_str(), t) {
            assert!(prev < t, "{node} saw ts {t} after {prev}");
        }
    }
    ts.sort_unstable();
    assert_eq!(ts, (0..invoked as u64).collect::<Vec<_>>());
    assert!(seen
        .iter()
        .all(|(_, src, b)| src == "lin-tso" && b.kind == "ts_ok"));
    // A request and its reply per op, all of it servers' traffic.
    let servers = run.results["net"]["servers"]["msg-count"].as_u64().unwrap();
    assert_eq!(servers, 2 * invoked as u64);
    // Two 10 ms hops per echo, plus Maelstrom's handoffs (the timing model: a few ms at this
    // low rate, where threads wake cold).
    let median = run.figures.op_latencies["echo"]["0.5"];
    assert!(
        (20.0..=25.0).contains(&median),
        "median echo latency {median} ms"
    );
}

#[test]
fn seq_kv_serves_other_nodes_stale_reads_in_the_whole_simulator() {
    // n0 writes an ever-growing counter under its own key; n1 and n2 read it.
    let (_, seen) = run("seq-kv", "n0", 2);
    let mut latest_written = 0u64;
    let mut stale = 0;
    let mut reads = 0;
    let mut last_seen: BTreeMap<String, u64> = BTreeMap::new();
    for (node, _, body) in &seen {
        match body.kind.as_str() {
            "write_ok" => latest_written += 1,
            "read_ok" => {
                let v: u64 = body.get("value").unwrap();
                reads += 1;
                if v < latest_written {
                    stale += 1;
                }
                // n0's one client waits for each echo, so one write at most is in flight: a
                // read may see it applied before its write_ok reaches n0, never beyond it.
                assert!(v <= latest_written + 1, "read a value never written");
                last_seen.insert(node.clone(), v);
            }
            // The key may not exist yet for a reader that sees the initial state.
            "error" => assert_eq!(body.as_error().map(|e| e.code), Some(20)),
            other => panic!("unexpected {other}"),
        }
    }
    assert!(reads > 100);
    assert!(
        stale * 10 > reads,
        "only {stale} of {reads} reads were stale"
    );
}

#[test]
fn same_seed_same_run() {
    let key = |seed| {
        let (run, seen) = run("seq-kv", "n0", seed);
        (run.outcome.history, seen)
    };
    let (h1, s1) = key(7);
    let (h2, s2) = key(7);
    assert_eq!(h1, h2);
    assert_eq!(s1, s2);
    let (h3, s3) = key(8);
    assert!(h3 != h1 || s3 != s1);
}

//! The kafka workload (challenges 5a–5c) in the simulator, as Maelstrom 0.2.4 runs it: the
//! operation generator ([`generator`]), the client and its strict reply schemas ([`client`]),
//! the final phase, and Jepsen's kafka checker ([`checker`], [`cycles`]).
//!
//! Final phase (Jepsen's `final-polls`, capped at 10 s by Maelstrom): every client crashes
//! (a fresh process), assigns itself every key any successful operation touched with
//! `seek-to-beginning`, and polls (every uniform(0, 400 ms)) until its own polls have reached
//! the highest offset known for each key.
//!
//! Beyond Maelstrom, the model watches `list_committed_offsets` replies and reports every
//! committed offset that went backwards (lower than a commit acknowledged before the list was
//! sent). Maelstrom neither records nor uses these offsets, so this is reported, not judged.

pub(crate) mod checker;
pub(crate) mod client;
pub(crate) mod cycles;
pub(crate) mod generator;
pub mod history;

use crate::history::{Op, OpType};
use crate::protocol::Body;
use crate::sim::model::{ClientInfo, Draw, Invocation, Step, WorkloadCheck, WorkloadModel};
use crate::sim::workloads::findings::names_note;
use crate::sim::SimConfig;
use client::Client;
use generator::{GenOp, Generator};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Maelstrom clips kafka's final phase to 10 s.
const FINAL_PHASE_LIMIT: Duration = Duration::from_secs(10);
/// Final polls are staggered by `(gen/stagger 1/5)`: uniform gaps in [0, 400 ms).
const FINAL_POLL_GAP_S: f64 = 0.4;

pub(crate) struct KafkaModel {
    gen: Generator,
    clients: BTreeMap<usize, Client>,
    /// Threads whose next assign is the final phase's `seek-to-beginning` one.
    seek: BTreeSet<usize>,
    /// Final phase: per thread, the offsets its polls have yet to reach, and polls issued.
    final_targets: BTreeMap<usize, BTreeMap<u64, i64>>,
    final_polls: BTreeMap<usize, u64>,
    commits: CommitWatch,
}

impl KafkaModel {
    pub(crate) fn new(cfg: &SimConfig) -> anyhow::Result<Self> {
        let opts = cfg.opts.resolve()?;
        let concurrency = opts.clients as usize;
        let key_count = opts.key_count as usize;
        let max_writes = u64::from(opts.max_writes_per_key);
        Ok(KafkaModel {
            gen: Generator::new(key_count, max_writes, concurrency),
            clients: BTreeMap::new(),
            seek: BTreeSet::new(),
            final_targets: BTreeMap::new(),
            final_polls: BTreeMap::new(),
            commits: CommitWatch::default(),
        })
    }

    fn client(&mut self, thread: usize) -> &mut Client {
        self.clients.entry(thread).or_default()
    }
}

impl WorkloadModel for KafkaModel {
    fn generate(&mut self, draw: Draw<'_>) -> Option<Invocation> {
        let rng = draw.rng;
        let now = draw.now;
        Some(match self.gen.next(rng, now) {
            GenOp::Crash => Invocation::new("crash", Value::Null),
            GenOp::Poll => Invocation::new("poll", json!([["poll"]])),
            GenOp::Send { key, value } => {
                Invocation::new("send", json!([["send", key.to_string(), value]]))
            }
            GenOp::Assign { keys } => Invocation::new(
                "assign",
                Value::Array(keys.iter().map(|k| json!(k.to_string())).collect()),
            ),
        })
    }

    fn begin(&mut self, client: &ClientInfo, op: &Invocation) -> Step {
        let thread = client.thread;
        match op.f.as_str() {
            "crash" => Step::Complete {
                kind: OpType::Info,
                value: op.value.clone(),
                error: None,
            },
            "assign" => {
                let keys: Vec<String> = op
                    .value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect();
                let seek = self.seek.remove(&thread);
                if !seek {
                    self.commits.list_begins(thread, &keys);
                }
                self.client(thread).begin_assign(&keys, seek, &op.value)
            }
            "poll" => self.client(thread).begin_poll(),
            "send" => match op.value.get(0).and_then(Value::as_array).map(Vec::as_slice) {
                Some([_, Value::String(key), msg]) => {
                    let (key, msg) = (key.clone(), msg.clone());
                    self.client(thread).begin_send(&key, &msg)
                }
                _ => Step::malformed(op.value.clone(), "unknown send value".into()),
            },
            other => Step::malformed(
                op.value.clone(),
                format!("unknown kafka operation {other:?}"),
            ),
        }
    }

    fn on_reply(&mut self, client: &ClientInfo, op: &Invocation, reply: &Body) -> Step {
        let thread = client.thread;
        self.commits.on_reply(thread, reply);
        let r = self.client(thread).on_reply(reply, &op.value);
        if let Step::Request { body, .. } = &r.step {
            if body.kind == "commit_offsets" {
                self.commits.commit_sent(thread, body);
            }
        }
        if let Some((key, offset)) = &r.sent {
            if let Ok(k) = key.parse::<u64>() {
                self.gen.on_ok_send(k, *offset);
            }
        }
        if let Some(polled) = &r.polled {
            // Maelstrom's StringKeys parses keys back to integers for the generator.
            let polled: BTreeMap<u64, i64> = polled
                .iter()
                .filter_map(|(k, o)| Some((k.parse::<u64>().ok()?, *o)))
                .collect();
            self.gen.on_ok_poll(&polled);
            if let Some(targets) = self.final_targets.get_mut(&thread) {
                targets.retain(|k, target| polled.get(k).is_none_or(|seen| seen < target));
            }
        }
        r.step
    }

    fn idempotent(&self, f: &str) -> bool {
        f == "assign"
    }

    fn on_new_process(&mut self, client: &ClientInfo) {
        // Maelstrom's clients are not reusable: a crashed client's positions are gone.
        self.clients.insert(client.thread, Client::default());
    }

    fn final_ops(&mut self, client: &ClientInfo) -> Vec<Invocation> {
        let targets = self.gen.max_offsets().clone();
        if targets.is_empty() {
            return Vec::new();
        }
        let keys: Vec<Value> = targets.keys().map(|k| json!(k.to_string())).collect();
        self.final_targets.insert(client.thread, targets);
        self.final_polls.insert(client.thread, 0);
        self.seek.insert(client.thread);
        vec![
            Invocation::new("crash", Value::Null),
            Invocation::new("assign", Value::Array(keys)),
        ]
    }

    fn final_next(
        &mut self,
        rng: &mut ChaCha8Rng,
        client: &ClientInfo,
        _now: Duration,
    ) -> Option<(Duration, Invocation)> {
        if self.final_targets.get(&client.thread)?.is_empty() {
            return None;
        }
        let issued = self.final_polls.entry(client.thread).or_insert(0);
        let delay = if *issued == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(rng.gen_range(0.0..FINAL_POLL_GAP_S))
        };
        *issued += 1;
        Some((delay, Invocation::new("poll", json!([["poll"]]))))
    }

    fn final_phase_limit(&self) -> Option<Duration> {
        Some(FINAL_PHASE_LIMIT)
    }

    fn check(&self, history: &[Op], _cfg: &SimConfig) -> WorkloadCheck {
        let found = checker::check(history);
        let mut result = found.result;
        let regressions = self.commits.regressions.len();
        if let Value::Object(map) = &mut result {
            map.insert(
                "glomers-commit-check".into(),
                json!({
                    "judged?": false,
                    "lists-checked": self.commits.lists_checked,
                    "regression-count": regressions,
                    "regressions": self.commits.regressions.iter().take(8).collect::<Vec<_>>(),
                }),
            );
        }
        let mut check = WorkloadCheck::new(found.valid, result);
        check.anomalies = found.bad.clone();
        for (name, count) in &found.errors {
            check.counts.insert(format!("{name}-count"), *count as f64);
        }
        check
            .counts
            .insert("commit-regression-count".into(), regressions as f64);
        check.notes = found.notes;
        let tolerated: Vec<&String> = found
            .errors
            .keys()
            .filter(|t| checker::ALLOWED.contains(&t.as_str()))
            .collect();
        check.notes.extend(names_note(
            "tolerated by Maelstrom's kafka checker",
            &tolerated,
        ));
        if regressions > 0 {
            check.notes.push(format!(
                "{regressions} committed offset(s) went backwards (reported, not judged: Maelstrom \
                 does not check committed offsets)"
            ));
        }
        check
    }
}

/// The glomers-only check of committed offsets: a `list_committed_offsets` sent after a
/// commit was acknowledged must return at least that offset for the key.
#[derive(Default)]
struct CommitWatch {
    /// Highest acknowledged commit per key.
    acked: BTreeMap<String, i64>,
    /// Per thread: offsets of the commit in flight.
    in_flight: BTreeMap<usize, BTreeMap<String, i64>>,
    /// Per thread: what the list in flight must return.
    required: BTreeMap<usize, BTreeMap<String, i64>>,
    lists_checked: u64,
    regressions: Vec<Value>,
}

impl CommitWatch {
    fn commit_sent(&mut self, thread: usize, body: &Body) {
        let offsets = body
            .fields
            .get("offsets")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, o)| Some((k.clone(), o.as_i64()?)))
                    .collect()
            })
            .unwrap_or_default();
        self.in_flight.insert(thread, offsets);
    }

    fn list_begins(&mut self, thread: usize, keys: &[String]) {
        let required = keys
            .iter()
            .filter_map(|k| Some((k.clone(), *self.acked.get(k)?)))
            .collect();
        self.required.insert(thread, required);
    }

    fn on_reply(&mut self, thread: usize, reply: &Body) {
        if reply.kind == "commit_offsets_ok" {
            for (k, o) in self.in_flight.remove(&thread).unwrap_or_default() {
                let e = self.acked.entry(k).or_insert(o);
                *e = (*e).max(o);
            }
            return;
        }
        self.in_flight.remove(&thread);
        let Some(required) = self.required.remove(&thread) else {
            return;
        };
        let Some(listed) = Client::listed_offsets(reply) else {
            return;
        };
        self.lists_checked += 1;
        for (k, min) in required {
            let got = listed.get(&k).copied();
            if got.is_none_or(|g| g < min) {
                self.regressions
                    .push(json!({"key": k, "acknowledged": min, "listed": got}));
            }
        }
    }
}

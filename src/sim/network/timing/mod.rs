//! What a real Maelstrom run adds to the configured latency, as a seeded model the network
//! applies. Two parts, because a second engine runs external node processes in real time
//! through the same network and must not count their costs twice:
//!
//! - **HarnessCosts** ([`HarnessCosts`], both engines, [`Timing::external`]): Maelstrom's JVM and Jepsen.
//!   Every message is handed from thread to thread: a node's stdout thread reads its lines one
//!   at a time, then the recipient's receive thread (or client thread) wakes and takes it. A
//!   thread that still has a line or a due message when it finishes one goes straight on and
//!   pays only the parse or the write ([`Clock::stdout`], [`Clock::receive`]). A thread that
//!   wakes pays a handoff: tens of microseconds when the harness is busy (the cores never
//!   sleep), a fraction of a millisecond when it merely keeps working, about a millisecond
//!   when the thread and the whole harness were idle (more likely the longer), and a few
//!   milliseconds of contention when many threads wake at once over a quieter background (a
//!   relay burst: 24 receive threads and nodes on two cores). Every handoff also takes CPU
//!   on the machine's two cores ([`Cpu`]): work that outruns them queues, and the wait is
//!   shared by every thread rather than paid by each in turn; the network path's own
//!   compilation and interpreted first runs, young collections and other stalls take the
//!   cores from everyone at once. The JVM's client path warms up under load ([`Jit`]): its
//!   compiler threads hold the cores while they have work, and the first reply of each type
//!   loads its path. Jepsen's interpreter also takes its own time per operation
//!   ([`HarnessCosts::dispatch`]).
//! - **Node** ([`Timing::node`], in-process nodes in virtual time only, [`Timing::in_process`]):
//!   the stdin/stdout pipes and the node's own processing. A real process pays these for real.
//!
//! Where the figures come from: Maelstrom's source (`maelstrom.net`: a latency drawn in whole
//! ms, the deadline stamped when the stdout thread queues the message, a receive thread that
//! polls a priority queue, sleeps whole ms and then writes to the node's stdin;
//! `maelstrom.process`: one stdout and one stdin thread per node) for where the handoffs are,
//! and the real Maelstrom 0.2.4 runs of `tests/fixtures/real/` for how long they take: client
//! round trips of about 0.5 ms once warm at 1000 ops/s and 3–5 ms at 5–10 ops/s, 16–29 ms for
//! a run's first operation, per-second medians 5–13× higher in the first second at 1000 ops/s
//! (sends and polls slow alike), ~800 operations a second issued at `--rate 1000`, relay
//! bursts that land at the 24 leaves over up to ~7 ms, and in each 3d run one or two values
//! that reach the hub more than 5 ms late (max 342–347 ms against a p99 of 245–247); and for
//! node-to-node delivery against load, the probe sweeps of `tests/fixtures/real/load-curve/`
//! (median 0.56 ms at 100 messages a second, 0.10 ms from 2000, a first-second backlog from
//! 10 000). `tests/it/sim/fidelity.rs` and `tests/wall_clock/load_curve.rs` hold the result to those
//! runs.
//!
//! The fitted figures themselves are in `fitted.rs`; `timing.md` beside it gives each
//! one's value, what it models, the real run it was fitted to and the test that holds it, and
//! how to re-fit them.

use crate::sim::clock::{Nanos, MILLI, SECOND};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

mod cores;
mod fitted;
mod threads;
use cores::Cores;
pub use threads::{Endpoint, Endpoints, Thread};
use threads::{Wakers, Window};

/// One thread-to-thread (or process-to-process) handoff: a floor, an exponential spread, and a
/// rare contention spike.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Handoff {
    pub floor_ms: f64,
    pub spread_ms: f64,
    /// Probability that this handoff hits a contended moment.
    pub spike_p: f64,
    /// Mean of the extra delay such a moment adds (exponential).
    pub spike_ms: f64,
}

impl Handoff {
    /// A draw, in milliseconds.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> f64 {
        let mut ms = self.floor_ms + exponential(self.spread_ms, rng);
        if self.spike_p > 0.0 && rng.gen_bool(self.spike_p.clamp(0.0, 1.0)) {
            ms += exponential(self.spike_ms, rng);
        }
        ms
    }
}

/// A handoff's body without spikes: what a busy machine shrinks one to (see
/// [`HarnessCosts::busy`]). The spikes stay those of the handoff it shrinks.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Body {
    pub floor_ms: f64,
    pub spread_ms: f64,
}

fn exponential(mean_ms: f64, rng: &mut ChaCha8Rng) -> f64 {
    if mean_ms <= 0.0 {
        return 0.0;
    }
    let u: f64 = rng.gen_range(f64::EPSILON..1.0);
    -mean_ms * u.ln()
}

/// Maelstrom's own costs per message: a handoff (hot, crowded or cold) and the JVM's warm-up.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HarnessCosts {
    /// While messages keep flowing.
    pub hot: Handoff,
    /// On a machine that never idles: a handoff's floor and spread shrink from `hot`'s towards
    /// these as handoffs come closer together, by √(mean gap / `busy_gap_ms`) over
    /// `busy_window` (a core that never sleeps wakes a thread at once). Real node-to-node
    /// delivery takes 0.56 ms at 100 messages a second, 0.15 ms at 1000 and 0.10 ms from 2000.
    pub busy: Body,
    pub busy_gap_ms: f64,
    pub busy_power: f64,
    pub busy_window: Nanos,
    /// Among a crowd: with `n` distinct threads waking within `crowd_window` (this one
    /// included) beyond the harness's steady pace (its handoffs per `crowd_window` over the
    /// last [`Jit::load_window`]), a handoff is crowded with probability (n − `crowd_from`) /
    /// (`crowd_full` − `crowd_from`), clamped to [0, 1]. A relay burst (24 threads at once
    /// after a quiet spell) is a crowd; a steady 800 ops/s (3–6 per ms) is not, nor are 25
    /// nodes streaming 20 000 messages a second (the same threads at the same pace).
    pub crowded: Handoff,
    pub crowd_from: f64,
    pub crowd_full: f64,
    pub crowd_window: Nanos,
    /// For a thread parked `idle_full` or longer; between `idle_after` and `idle_full` a
    /// handoff is cold with a probability growing linearly with how long it was parked (the
    /// longer a thread sleeps, the deeper it and its core sleep).
    pub cold: Handoff,
    pub idle_after: Nanos,
    pub idle_full: Nanos,
    /// The mean gap between the harness's handoffs (over [`Jit::load_window`]) at which the
    /// machine as a whole is idle: a parked thread's coldness is scaled by how far the mean
    /// gap is from `idle_after` to this.
    pub machine_idle_full: Nanos,
    /// Parsing, validating and journalling one line, for a stdout thread already awake.
    pub parse_ms: f64,
    /// Writing one message to a node's stdin, for a receive thread already awake: one that
    /// finishes a message and finds the next already due polls its queue without parking.
    pub write_ms: f64,
    /// Jepsen's interpreter between one operation and the next: it sleeps until the
    /// generator's next time (parked threads wake late) and hands the operation to a worker
    /// thread, and the generator counts the next gap from when it actually issued this one.
    /// This is why real runs at `--rate 1000` issue 750–860 operations a second, not 1000.
    pub dispatch: Handoff,
    /// The JIT's compiler threads, busy on the two cores while the harness warms up.
    pub jit: Jit,
    /// The cores every handoff's own work queues for.
    pub cpu: Cpu,
}

/// The machine's cores as the harness's threads (and the nodes they wake) share them. Every
/// handoff takes CPU, more when its thread had to wake for it, and work that arrives faster
/// than the cores do it queues: the delay is shared by every thread, not paid by each in
/// turn. The network path's first handoffs queue compile work, `compile_ms / (1 + k /
/// compile_decay)²` for the k-th, which the compiler threads work off on `compile_cores` of
/// the cores; until they are done, the harness runs on the rest, and its first handoffs run
/// interpreted, `slow` times their warm cost at first (falling as the k-th's compile work
/// does). So a heavy load in its first second outruns the cores and builds a backlog that a
/// light one never sees (real, five nodes: the worst delay is a few ms at 5000 messages a
/// second, 121 ms at 10 000, 382 ms at 20 000). Every `gc_every` handoffs the JVM stops every
/// thread for a young collection (`gc_ms`, exponential).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cpu {
    pub cores: f64,
    pub wake_ms: f64,
    pub busy_ms: f64,
    pub compile_ms: f64,
    pub compile_decay: f64,
    pub compile_cores: f64,
    pub slow: f64,
    pub gc_every: f64,
    pub gc_ms: f64,
}

/// The JVM's warm-up as CPU contention, not as a clock. Every handoff runs code the JIT will
/// compile, the early ones most (`work_ms / (1 + k / decay)²` of compile work for the k-th),
/// and the compiler threads work it off on `drain_cores` cores. While work is pending they
/// hold the cores, and an operation's reply waits up to a scheduler slice for the client
/// thread's turn: once per operation, whatever its number of messages, as in the real 5b
/// where sends (four messages) and polls (two) are slow alike in the first seconds.
///
/// It follows load, as the real runs do: at 1000 ops/s the backlog piles up and the first
/// second is several times slower (per-second medians 10.7, 3.6, 1.9, 1.4 ms in 6b, settling
/// at 0.8); at 5 ops/s (echo) the backlog of one operation is gone before the next, and a
/// harness with few handoffs in flight (under `load_full` per `load_window`) leaves the other
/// core free.
///
/// The first reply to a client of each type pays its path's first run (class loading, the
/// interpreter), less for each later type (`first_use / (1 + types seen)`): in the real runs
/// the first operation takes 16–29 ms, and the first of another type far less.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Jit {
    pub work_ms: f64,
    pub decay: f64,
    pub drain_cores: f64,
    pub slice_ms: f64,
    /// The handoffs within `load_window` at which the harness keeps both cores busy.
    pub load_window: Nanos,
    pub load_full: f64,
    pub first_use: Handoff,
}

/// Which parts apply. Build it with the constructor for the engine in use.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Timing {
    pub harness: Option<HarnessCosts>,
    /// Pipes and node processing, per message a node sends.
    pub node: Option<NodeCosts>,
}

/// A node process's pipes and processing: `hot` while the network is active, shrinking
/// towards `busy` on a busy machine (as [`HarnessCosts::busy`]), `cold` once nothing has moved
/// through the network for `quiet_after`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NodeCosts {
    pub busy: Body,
    pub hot: Handoff,
    pub cold: Handoff,
    pub quiet_after: Nanos,
}

impl Timing {
    /// Nodes run in-process in virtual time: Maelstrom's costs and the node's own.
    pub fn in_process() -> Timing {
        Timing {
            harness: Some(HarnessCosts::maelstrom()),
            node: Some(NodeCosts::in_process()),
        }
    }

    /// Nodes are real processes run in real time: their pipes and processing are real, so
    /// only Maelstrom's own costs are added.
    pub fn external() -> Timing {
        Timing {
            harness: Some(HarnessCosts::maelstrom()),
            node: None,
        }
    }

    /// Nothing beyond the configured latency: deliveries on exact multiples of it.
    pub fn exact() -> Timing {
        Timing {
            harness: None,
            node: None,
        }
    }
}

/// The model in a run: its own random stream (seeded from the run's RNG on first use, so
/// turning parts on or off leaves the run's other draws alone) and the last moment anything
/// moved, which decides hot or cold.
pub struct Clock {
    timing: Timing,
    rng: Option<ChaCha8Rng>,
    last_activity: Option<Nanos>,
    /// When each harness thread (a node's stdout or receive thread, a client's thread) last
    /// handed something over: a thread parked longer than [`HarnessCosts::idle_after`] wakes cold.
    thread_active: HashMap<Thread, Nanos>,
    /// When each node's stdout thread is done with the lines it has read so far: it parses
    /// one line at a time, so a node that writes a batch sees it queued one by one.
    stdout_free: HashMap<Endpoint, Nanos>,
    /// When each receive thread is done with the message it took last.
    receive_free: HashMap<Endpoint, Nanos>,
    /// The threads that woke within [`HarnessCosts::crowd_window`].
    recent: Wakers,
    /// The JIT: handoffs so far, compile work pending (ns of one core) and when it was
    /// last worked off.
    jit_handoffs: u64,
    jit_backlog: f64,
    jit_at: Nanos,
    /// The handoffs within [`Jit::load_window`].
    load: Window,
    /// The handoffs within [`HarnessCosts::busy_window`].
    busy: Window,
    /// The cores' calendar, the handoffs so far, and the handoffs until the next collection.
    cores: Cores,
    cpu_handoffs: u64,
    /// When the compiler threads are done with the work queued so far.
    compiling_until: Nanos,

    gc_in: f64,
    /// Message types handed over so far.
    seen_types: std::collections::HashSet<String>,
}

impl Clock {
    pub fn new(timing: Timing) -> Clock {
        Clock {
            timing,
            rng: None,
            last_activity: None,
            thread_active: HashMap::new(),
            stdout_free: HashMap::new(),
            receive_free: HashMap::new(),
            recent: Wakers::default(),
            jit_handoffs: 0,
            jit_backlog: 0.0,
            jit_at: 0,
            load: Window::default(),
            busy: Window::default(),
            cores: Cores::default(),
            cpu_handoffs: 0,
            compiling_until: 0,

            gc_in: f64::NAN,
            seen_types: Default::default(),
        }
    }

    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// Seeds the model's stream from the run's RNG, once; a model with nothing to draw takes
    /// nothing from it, so exact runs replay as they did before the model existed.
    pub fn seed(&mut self, run: &mut ChaCha8Rng) {
        let draws = self.timing.harness.is_some() || self.timing.node.is_some();
        if draws && self.rng.is_none() {
            self.rng = Some(ChaCha8Rng::seed_from_u64(run.gen()));
        }
    }

    fn stream(&mut self) -> &mut ChaCha8Rng {
        // Seeded by the first send, which precedes every draw; a fixed seed otherwise.
        self.rng.get_or_insert_with(|| ChaCha8Rng::seed_from_u64(0))
    }

    /// How likely `thread`'s handoff at `now` is cold, from how long it had been parked;
    /// records `now` as its activity and the network's.
    fn coldness(&mut self, thread: Thread, now: Nanos, h: &HarnessCosts) -> f64 {
        let last = self.thread_active.get(&thread).copied();
        let ramp = |idle: Nanos, full: Nanos| {
            let idle = idle.saturating_sub(h.idle_after) as f64;
            (idle / full.saturating_sub(h.idle_after).max(1) as f64).min(1.0)
        };
        let parked = last.map_or(1.0, |last| ramp(now.saturating_sub(last), h.idle_full));
        // The cores sleep only when the whole harness is idle: a thread parked 50 ms wakes
        // at once when its neighbours keep the cores awake (100 messages a second through
        // five nodes take 0.56 ms), and slowly when nothing has moved (5 operations a second).
        let window = h.jit.load_window;
        let n = self.load.count(now, window).max(1) as Nanos;
        let machine = ramp(window / n, h.machine_idle_full);
        let coldness = parked * machine;
        let latest = last.map_or(now, |l| l.max(now));
        self.thread_active.insert(thread, latest);
        self.last_activity = Some(self.last_activity.map_or(now, |l| l.max(now)));
        coldness
    }

    /// Whether `thread`'s handoff at `now` is crowded (see [`HarnessCosts::crowd_from`]); records it.
    fn crowded(&mut self, thread: Thread, now: Nanos, h: &HarnessCosts) -> bool {
        let n = self.recent.record(thread, now, h.crowd_window) as f64;
        // A surge over what the harness has been doing: a steady stream wakes as many threads
        // in every window and the cores keep pace with it.
        let window = h.jit.load_window.max(1) as f64;
        let steady =
            self.load.count(now, h.jit.load_window) as f64 * h.crowd_window as f64 / window;
        let n = n - steady;
        let span = (h.crowd_full - h.crowd_from).max(1.0);
        let p = ((n - h.crowd_from) / span).clamp(0.0, 1.0);
        p > 0.0 && self.stream().gen_bool(p)
    }

    /// Maelstrom's handoff of one `kind` message by harness thread `thread` at `now`, in
    /// nanoseconds; `to_client` when it goes to a client (only those wait for the JIT).
    pub fn harness(&mut self, thread: Thread, kind: &str, to_client: bool, now: Nanos) -> Nanos {
        let Some(h) = self.timing.harness else {
            return 0;
        };
        let coldness = self.coldness(thread, now, &h);
        let cold = coldness > 0.0 && self.stream().gen_bool(coldness);
        let crowded = self.crowded(thread, now, &h);
        let busy = self.busyness(now, &h);
        let handoff = match (cold, crowded) {
            (true, _) => h.cold,
            // A surge's contention is the crowd's own, however busy the machine: `between`
            // keeps `crowded`'s spikes.
            (false, true) => busy.between(h.busy, h.crowded),
            (false, false) => busy.between(h.busy, h.hot),
        };
        let draw = handoff.draw(self.stream());
        let jit = self.jit_wait(kind, to_client, now, &h.jit);
        let cpu = self.cpu(now, true, &h.cpu);
        to_nanos(draw + jit + cpu)
    }

    /// How far from busy the machine is at `now`: 0 when handoffs follow one another without
    /// a gap, 1 at a mean gap of [`HarnessCosts::busy_gap_ms`] or more (see [`HarnessCosts::busy`]).
    fn busyness(&mut self, now: Nanos, h: &HarnessCosts) -> Busyness {
        let n = self.busy.record(now, h.busy_window) as f64;
        busyness(h.busy_window as f64 / MILLI as f64 / n, h)
    }

    /// A handoff's wait for the cores at `now`, in ms, beyond its own work (`woke`: its
    /// thread woke for it): the compile work and the queue ahead of it; collections stop
    /// everyone.
    fn cpu(&mut self, now: Nanos, woke: bool, cpu: &Cpu) -> f64 {
        let k = self.cpu_handoffs as f64;
        self.cpu_handoffs += 1;
        let cold = 1.0 / (1.0 + k / cpu.compile_decay.max(1.0)).powi(2);
        // The compiler threads take their cores from when they are free until this
        // handoff's compile work is done.
        let compiler = cpu.compile_cores.clamp(f64::MIN_POSITIVE, cpu.cores);
        let from = self.compiling_until.max(now);
        let until = from.saturating_add(to_nanos(cpu.compile_ms * cold / compiler));
        self.cores.reserve(from, until, compiler, cpu.cores);
        self.compiling_until = until;
        let own = if woke { cpu.wake_ms } else { cpu.busy_ms } * (1.0 + cpu.slow * cold);
        let done = self.cores.book(now, own * MILLI as f64, cpu.cores);
        if cpu.gc_every > 0.0 {
            if self.gc_in.is_nan() {
                self.gc_in = self.stream().gen_range(0.0..cpu.gc_every);
            }
            self.gc_in -= 1.0;
            if self.gc_in <= 0.0 {
                self.gc_in += cpu.gc_every;
                let pause = to_nanos(exponential(cpu.gc_ms, self.stream()));
                self.cores.stop(now, pause, cpu.cores);
            }
        }
        // Its own work is part of the handoff's draw (the interpreted extra too: a single
        // handoff's latency hardly shows it; the cores' capacity does).
        (done.saturating_sub(now) as f64 / MILLI as f64 - own).max(0.0)
    }

    /// What the JIT costs a handoff of a `kind` message at `now`, in ms: its first use, and
    /// for a reply to a client (`to_client`), the wait for a core while compile work is
    /// pending. Every handoff adds its own compile work.
    fn jit_wait(&mut self, kind: &str, to_client: bool, now: Nanos, jit: &Jit) -> f64 {
        if now > self.jit_at {
            let worked = (now - self.jit_at) as f64 * jit.drain_cores;
            self.jit_backlog = (self.jit_backlog - worked).max(0.0);
            self.jit_at = now;
        }
        // The compiler threads may hold the cores as soon as they have a backlog, and surely
        // once it reaches a slice per core.
        let slice_ns = jit.slice_ms * MILLI as f64;
        let slices = self.jit_backlog / (slice_ns * jit.drain_cores).max(1.0);
        // ...and only when the harness has threads enough to fill the other core too.
        let handoffs = self.load.record(now, jit.load_window) as f64;
        let busy = (handoffs / jit.load_full.max(1.0)).min(1.0);
        let held = slices.clamp(0.0, 1.0) * busy;
        let k = self.jit_handoffs as f64;
        self.jit_handoffs += 1;
        self.jit_backlog += jit.work_ms * MILLI as f64 / (1.0 + k / jit.decay.max(1.0)).powi(2);
        let mut ms = 0.0;
        if to_client && !self.seen_types.contains(kind) {
            // The run's first reply loads most of the path (client, network, journal); each
            // later type finds more of it loaded.
            let share = 1.0 / (1.0 + self.seen_types.len() as f64);
            self.seen_types.insert(kind.to_string());
            ms += jit.first_use.draw(self.stream()) * share;
        }
        if to_client && held > 0.0 && self.stream().gen_bool(held) {
            ms += self
                .stream()
                .gen_range(0.0..jit.slice_ms.max(f64::MIN_POSITIVE));
        }
        ms
    }

    /// Jepsen's overhead between issuing an operation at `now` and scheduling the next.
    pub fn dispatch(&mut self) -> Nanos {
        let Some(h) = self.timing.harness else {
            return 0;
        };
        to_nanos(h.dispatch.draw(self.stream()))
    }

    /// When Maelstrom has read and queued a line node `src` finished writing at `written`:
    /// its stdout thread's handoff, after the lines before it.
    pub fn stdout(&mut self, src: Endpoint, kind: &str, written: Nanos) -> Nanos {
        if self.timing.harness.is_none() {
            return written;
        }
        let free = self.stdout_free.get(&src).copied().unwrap_or(0);
        // A thread still busy with earlier lines reads the next one without waking up: it
        // pays the parse alone.
        let cost = match self.timing.harness {
            Some(h) if written < free => to_nanos(h.parse_ms + self.cpu(free, false, &h.cpu)),
            _ => self.harness(Thread::Stdout(src), kind, false, written),
        };
        let start = written.max(free);
        let done = start.saturating_add(cost);
        self.stdout_free.insert(src, done);
        done
    }

    /// When `receiver`'s receive thread has handed over a `kind` message due at `deadline` that it
    /// took at `woken` (to a client when `to_client`); `queued_at_deadline` when the deadline
    /// is also when the stdout thread queued it (no configured latency), so that the receive
    /// thread cannot take it earlier. A thread that was still busy with the message before
    /// when this one came due goes on without parking, as Maelstrom's does (`.poll` on a queue
    /// with a due message returns at once): it pays the write alone, from when it was free,
    /// and neither wakes nor crowds the cores. Otherwise it wakes and pays a whole handoff.
    pub fn receive(
        &mut self,
        receiver: Endpoint,
        kind: &str,
        to_client: bool,
        (deadline, queued_at_deadline): (Nanos, bool),
        woken: Nanos,
    ) -> Nanos {
        let Some(h) = self.timing.harness else {
            return woken;
        };
        let woken = if queued_at_deadline {
            woken.max(deadline)
        } else {
            woken
        };
        let thread = Thread::Receive(receiver);
        let due = match self.receive_free.get(&receiver).copied() {
            Some(free) if deadline <= free => {
                self.coldness(thread, free, &h);
                let jit = self.jit_wait(kind, to_client, free, &h.jit);
                let cpu = self.cpu(free, false, &h.cpu);
                free.saturating_add(to_nanos(h.write_ms + jit + cpu))
            }
            _ => woken.saturating_add(self.harness(thread, kind, to_client, woken)),
        };
        self.receive_free.insert(receiver, due);
        due
    }

    /// A node's pipes and processing before a message it sends enters the network.
    pub fn node(&mut self, now: Nanos) -> Nanos {
        let Some(costs) = self.timing.node else {
            return 0;
        };
        // Node processes are their own: quiet when the whole network has been quiet.
        let quiet = self
            .last_activity
            .is_none_or(|last| now.saturating_sub(last) >= costs.quiet_after);
        let handoff = match self.timing.harness {
            _ if quiet => costs.cold,
            Some(h) => {
                let n = self.busy.count(now, h.busy_window).max(1) as f64;
                let gap_ms = h.busy_window as f64 / MILLI as f64 / n;
                busyness(gap_ms, &h).between(costs.busy, costs.hot)
            }
            None => costs.hot,
        };
        to_nanos(handoff.draw(self.stream()))
    }
}

/// At a mean gap of `gap_ms` between handoffs.
fn busyness(gap_ms: f64, h: &HarnessCosts) -> Busyness {
    let ratio = gap_ms / h.busy_gap_ms.max(f64::MIN_POSITIVE);
    Busyness(ratio.powf(h.busy_power).min(1.0))
}

/// Where the machine stands between busy (0) and merely hot (1); see [`HarnessCosts::busy`].
#[derive(Clone, Copy, Debug)]
struct Busyness(f64);

impl Busyness {
    /// `busy`'s floor and spread when busy, `at`'s when not, in proportion between; `at`'s
    /// spikes either way.
    fn between(self, busy: Body, at: Handoff) -> Handoff {
        let mix = |b: f64, a: f64| b + (a - b).max(0.0) * self.0;
        Handoff {
            floor_ms: mix(busy.floor_ms, at.floor_ms),
            spread_ms: mix(busy.spread_ms, at.spread_ms),
            spike_p: at.spike_p,
            spike_ms: at.spike_ms,
        }
    }
}

/// Milliseconds to nanoseconds, capped at a minute (a draw never stalls a run).
fn to_nanos(ms: f64) -> Nanos {
    let ns = (ms.max(0.0) * MILLI as f64).round();
    (ns as Nanos).min(60 * SECOND)
}

#[cfg(test)]
mod tests;

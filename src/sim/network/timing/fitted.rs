//! The timing model's fitted figures: Maelstrom 0.2.4's own costs on a 2-core machine, and
//! an in-process node's pipes and processing. What each models, the real run it was fitted
//! to, and the test that holds it: `timing.md`, beside this file.

use super::{Body, Cpu, Handoff, HarnessCosts, Jit, NodeCosts};
use crate::sim::clock::MILLI;

impl HarnessCosts {
    /// Maelstrom 0.2.4 on a 2-core machine, fitted to the real runs (`timing.md`).
    pub fn maelstrom() -> HarnessCosts {
        HarnessCosts {
            hot: Handoff {
                floor_ms: 0.12,
                spread_ms: 0.08,
                // Fitted so that 3d loses about one value per run to one more relay, as the
                // three real 3d runs do (max 342–347 ms against a p99 of 245–247).
                spike_p: 0.003,
                spike_ms: 3.0,
            },
            busy: Body {
                floor_ms: 0.02,
                spread_ms: 0.02,
            },
            busy_gap_ms: 5.0,
            busy_power: 0.5,
            busy_window: 10 * MILLI,
            // A relay burst (in 3d the hub writes 24 lines at once, and 24 receive threads and
            // nodes wake together) contends for the two cores: fitted so that 3d with the
            // 350/105 profile loses one value or two per run to one more relay, as the three
            // real 3d runs do (max 342–347 ms against a p99 of 245–247), while 1000 ops/s runs
            // keep their p99 (6–14 ms).
            crowded: Handoff {
                floor_ms: 0.12,
                spread_ms: 0.08,
                spike_p: 0.4,
                spike_ms: 3.0,
            },
            crowd_from: 6.0,
            crowd_full: 30.0,
            crowd_window: MILLI,
            cold: Handoff {
                floor_ms: 0.9,
                spread_ms: 0.4,
                spike_p: 0.015,
                spike_ms: 3.0,
            },
            idle_after: 2 * MILLI,
            idle_full: 100 * MILLI,
            machine_idle_full: 20 * MILLI,
            parse_ms: 0.03,
            write_ms: 0.02,
            dispatch: Handoff {
                floor_ms: 0.05,
                spread_ms: 0.07,
                spike_p: 0.0,
                spike_ms: 0.0,
            },
            jit: Jit {
                work_ms: 3.0,
                decay: 1300.0,
                drain_cores: 1.6,
                slice_ms: 12.0,
                load_window: 100 * MILLI,
                load_full: 15.0,
                first_use: Handoff {
                    floor_ms: 12.0,
                    spread_ms: 8.0,
                    spike_p: 0.0,
                    spike_ms: 0.0,
                },
            },
            cpu: Cpu {
                cores: 2.0,
                wake_ms: 0.03,
                busy_ms: 0.015,
                compile_ms: 0.2,
                compile_decay: 3000.0,
                compile_cores: 1.2,
                slow: 8.0,
                gc_every: 20000.0,
                gc_ms: 5.0,
            },
        }
    }
}

impl NodeCosts {
    /// A node process run in-process, fitted with [`HarnessCosts::maelstrom`] (`timing.md`).
    pub fn in_process() -> NodeCosts {
        NodeCosts {
            busy: Body {
                floor_ms: 0.01,
                spread_ms: 0.01,
            },
            hot: Handoff {
                floor_ms: 0.08,
                spread_ms: 0.08,
                spike_p: 0.004,
                spike_ms: 3.0,
            },
            cold: Handoff {
                floor_ms: 0.4,
                spread_ms: 0.3,
                spike_p: 0.02,
                spike_ms: 3.0,
            },
            quiet_after: 20 * MILLI,
        }
    }
}

//! The clients' side of a run: Jepsen's generator issuing operations at the test's rate to
//! the first free client thread, each client's steps and completions, the final phase's
//! operations, and every operation's entry in the history (the nemesis's included).

use super::*;

impl Engine<'_> {
    pub(super) fn generate(&mut self) {
        if self.period != Period::Main || self.now >= self.time_limit() {
            return;
        }
        match self.clients.next_free() {
            None => self.gen_waiting = true,
            Some(thread) => {
                self.gen_waiting = false;
                let info = self.clients.info(thread).clone();
                let now = as_duration(self.now);
                let draw = Draw {
                    rng: &mut self.rng,
                    client: &info,
                    now,
                };
                if let Some(op) = self.model.generate(draw) {
                    self.invoke(thread, op, false);
                }
                // Jepsen's stagger: the next op comes after a uniform delay in [0, 2/rate).
                let dt = self.rng.gen_range(0.0..2.0 / self.opts.rate);
                let dispatch = self.network.dispatch();
                self.schedule(self.now + (dt * 1e9) as Nanos + dispatch, Event::Generate);
            }
        }
    }

    pub(super) fn invoke(&mut self, thread: usize, op: Invocation, is_final: bool) {
        let info = self.clients.info(thread).clone();
        let process = Process::Client(info.process);
        self.record(
            process,
            OpType::Invoke,
            &op.f,
            op.value.clone(),
            None,
            is_final,
        );
        self.clients.begin(thread, op.clone());
        let step = self.model.begin(&info, &op);
        self.step(thread, step);
    }

    pub(super) fn step(&mut self, thread: usize, step: Step) {
        match step {
            Step::Request { dest, body } => {
                let (msg, at, timeout) = self.clients.request(thread, dest, body, self.now);
                self.send(msg);
                self.schedule(at, Event::Timeout(timeout));
            }
            Step::Complete { kind, value, error } => {
                self.complete(thread, Completion { kind, value, error })
            }
        }
    }

    pub(super) fn complete(&mut self, thread: usize, done: Completion) {
        let Some(op) = self.clients.finish(thread) else {
            return;
        };
        let is_final = self.period == Period::Final;
        let process = Process::Client(self.clients.info(thread).process);
        self.record(process, done.kind, &op.f, done.value, done.error, is_final);
        if done.kind == OpType::Info {
            let info = self.clients.replace_process(thread);
            self.model.on_new_process(&info);
        }
        match self.period {
            Period::Final => self.next_final(thread),
            Period::Main if self.gen_waiting => self.generate(),
            _ => {}
        }
    }

    pub(super) fn start_final(&mut self) {
        self.period = Period::Final;
        self.final_open = true;
        if let Some(limit) = self.model.final_phase_limit() {
            self.schedule(self.now + nanos(limit), Event::FinalDeadline);
        }
        for thread in 0..self.clients.len() {
            let info = self.clients.info(thread).clone();
            let ops = self.model.final_ops(&info);
            self.clients.set_final_ops(thread, ops);
            self.next_final(thread);
        }
    }

    /// `thread`'s next final operation: the queued one, or once the queue has run out and the
    /// phase is still open, whatever the workload asks for next (possibly after a delay).
    pub(super) fn next_final(&mut self, thread: usize) {
        if self.clients.is_busy(thread) {
            return;
        }
        if !self.clients.has_final_ops(thread) && self.final_open {
            let info = self.clients.info(thread).clone();
            let now = as_duration(self.now);
            if let Some((delay, op)) = self.model.final_next(&mut self.rng, &info, now) {
                let due = self.now + nanos(delay);
                let delayed = due > self.now;
                self.clients
                    .push_final_op(thread, op, delayed.then_some(due));
                if delayed {
                    self.schedule(due, Event::FinalWake(thread));
                }
            }
        }
        if let Some(op) = self.clients.next_final_op(thread, self.now) {
            self.invoke(thread, op, true);
        }
    }

    /// A nemesis operation: Jepsen logs an invoke (with what it asks for, such as the nodes
    /// to kill) and an info completion (with what it did) at the same instant.
    pub(super) fn record_nemesis(&mut self, f: &str, asked: Value, done: Value) {
        let nemesis = Process::Nemesis;
        self.clients.rotate();
        self.record(nemesis, OpType::Invoke, f, asked, None, false);
        self.record(nemesis, OpType::Info, f, done, None, false);
    }

    pub(super) fn heal(&mut self) {
        if self.network.is_partitioned() {
            let healed = serde_json::json!("network-healed");
            self.record_nemesis("stop-partition", Value::Null, healed);
            self.network.heal();
        }
    }

    pub(super) fn record(
        &mut self,
        process: Process,
        kind: OpType,
        f: &str,
        value: Value,
        error: Option<Value>,
        is_final: bool,
    ) {
        let index = self.history.len();
        self.history.push(Op {
            index,
            time: self.now.saturating_sub(self.start),
            kind,
            process,
            f: f.to_string(),
            value,
            error,
            is_final,
        });
    }
}

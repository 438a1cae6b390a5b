//! Maelstrom's client threads: one per unit of concurrency, each bound to node
//! `n{thread mod N}`, with at most one operation in flight, its own msg_ids, the 5 s request
//! timeout, Jepsen's process replacement after an indeterminate (`info`) result, the queue
//! of final-phase operations, and Jepsen's rotation that decides which free thread takes the
//! next operation.
//!
//! This module keeps the bookkeeping only; the engine decides when things happen and asks the
//! workload what to do.

use super::clock::{nanos, Nanos};
use super::model::{ClientInfo, Invocation};
use crate::history::OpType;
use crate::protocol::{Body, Message, MsgId};
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

/// A request's deadline: when it comes, the request has timed out unless answered.
/// `process` too: a replacement client reuses msg_ids from 1, and must not be timed out by its
/// predecessor's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout {
    pub thread: usize,
    pub process: u64,
    pub msg_id: MsgId,
}

/// How an operation ends.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    pub kind: OpType,
    pub value: Value,
    pub error: Option<Value>,
}

/// An operation being performed, and the msg_id of its outstanding request.
struct InFlight {
    op: Invocation,
    pending: Option<MsgId>,
}

struct Client {
    info: ClientInfo,
    /// The client's node id on the network (`c…`), fresh for each process.
    name: String,
    next_msg_id: MsgId,
    current: Option<InFlight>,
    final_queue: VecDeque<Invocation>,
    /// The head of `final_queue` waits until this time (see `WorkloadModel::final_next`).
    final_not_before: Nanos,
}

/// Every client thread, and the counter that names client node ids.
pub struct Clients {
    threads: Vec<Client>,
    by_name: HashMap<String, usize>,
    next_name: u64,
    request_timeout: Nanos,
    /// Jepsen's `next-thread-index` (jepsen.generator.context): the thread it would like to
    /// hand the next operation to. Every operation handed to any thread, the nemesis's
    /// included, moves it on by one, modulo the thread count (the clients plus the nemesis).
    next_thread: usize,
}

impl Clients {
    pub fn new(request_timeout: Duration) -> Clients {
        Clients {
            threads: Vec::new(),
            by_name: HashMap::new(),
            next_name: 0,
            request_timeout: nanos(request_timeout),
            next_thread: 0,
        }
    }

    /// A client node id never used before in this run (setup clients take them too).
    pub fn fresh_name(&mut self) -> String {
        let name = format!("c{}", self.next_name);
        self.next_name += 1;
        name
    }

    /// Opens `concurrency` client threads, thread `t` talking to `nodes[t mod N]`.
    pub fn open(&mut self, concurrency: usize, nodes: &[String]) {
        if nodes.is_empty() {
            return;
        }
        for thread in 0..concurrency {
            let name = self.fresh_name();
            self.by_name.insert(name.clone(), thread);
            self.threads.push(Client {
                info: ClientInfo {
                    thread,
                    process: thread as u64,
                    node: nodes[thread % nodes.len()].clone(),
                },
                name,
                next_msg_id: 1,
                current: None,
                final_queue: VecDeque::new(),
                final_not_before: 0,
            });
        }
    }

    pub fn len(&self) -> usize {
        self.threads.len()
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
    }

    pub fn info(&self, thread: usize) -> &ClientInfo {
        &self.threads[thread].info
    }

    /// The thread whose current client node id is `name`.
    pub fn thread_named(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    pub fn is_busy(&self, thread: usize) -> bool {
        self.threads[thread].current.is_some()
    }

    /// Threads with no operation in flight, in thread order.
    #[cfg(test)]
    pub fn free(&self) -> Vec<usize> {
        (0..self.threads.len())
            .filter(|&t| !self.is_busy(t))
            .collect()
    }

    /// The free thread Jepsen hands the next operation to: the first free one at or after
    /// its rotating index, else the first free one from the start. Not random: at low rates
    /// operations go round the threads, and thread 0 gets one more turn per round, because
    /// the nemesis thread's turn falls through to it (`0 1 2 3 4 0 0 1 …` with 5 clients, as
    /// the real histories show).
    pub fn next_free(&self) -> Option<usize> {
        let free = |t: &usize| !self.is_busy(*t);
        (self.next_thread..self.threads.len())
            .find(free)
            .or_else(|| (0..self.threads.len()).find(free))
    }

    /// An operation was handed to a thread (a client's or the nemesis's): the rotation moves
    /// on by one, whichever thread took it.
    pub fn rotate(&mut self) {
        self.next_thread = (self.next_thread + 1) % (self.threads.len() + 1);
    }

    pub fn all_idle(&self) -> bool {
        self.threads.iter().all(|c| c.current.is_none())
    }

    /// `thread` starts performing `op`.
    pub fn begin(&mut self, thread: usize, op: Invocation) {
        self.rotate();
        self.threads[thread].current = Some(InFlight { op, pending: None });
    }

    /// `thread`'s next request of its current operation: the message to send (to its own node
    /// unless `dest` says otherwise), when it times out, and the timeout to schedule then.
    pub fn request(
        &mut self,
        thread: usize,
        dest: Option<String>,
        mut body: Body,
        now: Nanos,
    ) -> (Message, Nanos, Timeout) {
        let client = &mut self.threads[thread];
        let msg_id = client.next_msg_id;
        client.next_msg_id += 1;
        body.msg_id = Some(msg_id);
        let dest = dest.unwrap_or_else(|| client.info.node.clone());
        if let Some(current) = client.current.as_mut() {
            current.pending = Some(msg_id);
        }
        let msg = Message::new(client.name.clone(), dest, body);
        let timeout = Timeout {
            thread,
            process: client.info.process,
            msg_id,
        };
        (msg, now.saturating_add(self.request_timeout), timeout)
    }

    /// The operation `msg` answers, if it is the reply `thread` is waiting for; `None` for a
    /// late reply to a timed-out request, a reply to a retired process, or not a reply at all.
    pub fn accept_reply(&self, thread: usize, msg: &Message) -> Option<(ClientInfo, Invocation)> {
        let client = &self.threads[thread];
        let current = client.current.as_ref()?;
        let pending = current.pending?;
        (msg.dest == client.name && msg.body.in_reply_to == Some(pending))
            .then(|| (client.info.clone(), current.op.clone()))
    }

    /// How the operation ends if `timeout` is for its still-unanswered request: it fails if
    /// it certainly did not happen (`idempotent`), otherwise its outcome is unknown (`info`).
    pub fn expire(
        &self,
        timeout: Timeout,
        idempotent: impl Fn(&str) -> bool,
    ) -> Option<Completion> {
        let client = self.threads.get(timeout.thread)?;
        if client.info.process != timeout.process {
            return None;
        }
        let current = client.current.as_ref()?;
        if current.pending != Some(timeout.msg_id) {
            return None;
        }
        let kind = if idempotent(&current.op.f) {
            OpType::Fail
        } else {
            OpType::Info
        };
        Some(Completion {
            kind,
            value: current.op.value.clone(),
            error: Some(serde_json::json!(["net-timeout"])),
        })
    }

    /// Ends `thread`'s operation; returns it, `None` if there was none.
    pub fn finish(&mut self, thread: usize) -> Option<Invocation> {
        self.threads[thread].current.take().map(|c| c.op)
    }

    /// Jepsen retires a process whose last operation is indeterminate and opens a new client
    /// with process id `old + concurrency` (and Maelstrom a fresh client node id, whose msg_ids
    /// start again at 1). Returns the new process's identity.
    pub fn replace_process(&mut self, thread: usize) -> ClientInfo {
        let concurrency = self.threads.len() as u64;
        let name = self.fresh_name();
        let client = &mut self.threads[thread];
        self.by_name.remove(&client.name);
        client.info.process += concurrency;
        client.name = name.clone();
        client.next_msg_id = 1;
        self.by_name.insert(name, thread);
        client.info.clone()
    }

    // ---- the final phase ----------------------------------------------------------------

    pub fn set_final_ops(&mut self, thread: usize, ops: Vec<Invocation>) {
        self.threads[thread].final_queue = ops.into();
    }

    /// The final phase's limit passed: nobody starts another final operation.
    pub fn clear_final_ops(&mut self) {
        for client in &mut self.threads {
            client.final_queue.clear();
        }
    }

    pub fn has_final_ops(&self, thread: usize) -> bool {
        !self.threads[thread].final_queue.is_empty()
    }

    pub fn all_final_ops_done(&self) -> bool {
        self.threads.iter().all(|c| c.final_queue.is_empty())
    }

    /// Queues a final operation that must not start before `not_before`.
    pub fn push_final_op(&mut self, thread: usize, op: Invocation, not_before: Option<Nanos>) {
        let client = &mut self.threads[thread];
        client.final_queue.push_back(op);
        if let Some(at) = not_before {
            client.final_not_before = at;
        }
    }

    /// `thread`'s next final operation, if one is queued and due at `now`.
    pub fn next_final_op(&mut self, thread: usize, now: Nanos) -> Option<Invocation> {
        let client = &mut self.threads[thread];
        if now < client.final_not_before {
            return None;
        }
        client.final_queue.pop_front()
    }
}

#[cfg(test)]
mod tests;

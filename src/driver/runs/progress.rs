//! Progress display: whether to draw bars at all (a pure function of the terminal and `CI`),
//! Maelstrom's phases as read from its own log lines, a time plan that turns the phase and the
//! time spent in it into a bar position, and the display itself (an indicatif bar, a bar shared
//! with `run all`, or one plain line per phase).

use crate::challenge::Phase;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Bars only on an interactive terminal: not when stderr is redirected, not under CI (any
/// non-empty `CI` other than `false`/`0`), not on a `dumb` terminal.
fn show_bars(stderr_is_terminal: bool, ci: Option<&str>, term: Option<&str>) -> bool {
    let ci = ci.is_some_and(|v| {
        let v = v.trim();
        !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false")
    });
    stderr_is_terminal && !ci && term != Some("dumb")
}

/// [`show_bars`] for this process.
pub(crate) fn bars_enabled() -> bool {
    show_bars(
        std::io::stderr().is_terminal(),
        std::env::var("CI").ok().as_deref(),
        std::env::var("TERM").ok().as_deref(),
    )
}

/// The one way glomers makes a bar: on stderr, in `template`, with a steady tick when
/// `ticking` (for bars whose position moves only now and then).
pub(crate) fn new_bar(total: Option<u64>, template: &str, ticking: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    if ticking {
        bar.enable_steady_tick(Duration::from_millis(200));
    }
    bar
}

/// A byte counter for downloads: a bar on a terminal, else a line at the start and the end.
pub(crate) struct ByteProgress {
    bar: Option<ProgressBar>,
    label: String,
    position: u64,
}

pub(crate) fn bytes_bar(total: Option<u64>, label: &str) -> ByteProgress {
    let bar = if bars_enabled() {
        let template = if total.is_some() {
            "{msg}\n{bar:40.cyan/blue} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
        } else {
            "{msg}\n{spinner} {bytes} ({bytes_per_sec})"
        };
        let bar = new_bar(total, template, false);
        bar.set_message(label.to_string());
        Some(bar)
    } else {
        crate::driver::output::tell(&format!("glomers: {label}"));
        None
    };
    ByteProgress {
        bar,
        label: label.to_string(),
        position: 0,
    }
}

impl ByteProgress {
    pub(crate) fn set_position(&mut self, bytes: u64) {
        self.position = bytes;
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
        }
    }

    pub(crate) fn finish(&self) {
        match &self.bar {
            Some(bar) => bar.finish(),
            None => crate::driver::output::tell(&format!(
                "glomers: {} done ({} bytes)",
                self.label, self.position
            )),
        }
    }

    pub(crate) fn abandon(&self) {
        if let Some(bar) = &self.bar {
            bar.abandon();
        }
    }
}

/// Maelstrom's own verdict line (the console's last line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConsoleVerdict {
    Valid,
    Invalid,
    Unknown,
}

/// What one log line tells us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Phase(Phase),
    /// `jepsen.store: Wrote <path>/results.edn`, the path relative to the JVM's folder.
    ResultsWritten(String),
    Verdict(ConsoleVerdict),
}

/// Log fragments that mark the start of a phase.
const PHASE_MARKERS: &[(&str, Phase)] = &[
    ("jepsen.core: Command line:", Phase::Setup),
    ("jepsen.core: Running test:", Phase::Setup),
    ("jepsen.core: Relative time begins now", Phase::Clients),
    ("Waiting for recovery...", Phase::Recovery),
    ("jepsen.core: Run complete, writing", Phase::Teardown),
    ("jepsen.core: Analyzing...", Phase::Analysis),
];

/// Precedes the path of every file the store writes.
const STORE_WROTE: &str = "jepsen.store: Wrote ";

/// Log fragments of Maelstrom's closing verdict.
const VERDICT_MARKERS: &[(&str, ConsoleVerdict)] = &[
    ("Everything looks good!", ConsoleVerdict::Valid),
    ("Analysis invalid!", ConsoleVerdict::Invalid),
    ("Errors occurred during analysis", ConsoleVerdict::Unknown),
];

/// Reads one line of Maelstrom's output (console format `INFO\t[thread] logger: message`, or
/// the same with a timestamp as in `jepsen.log`).
pub(crate) fn event_of_line(line: &str) -> Option<Event> {
    if let Some(&(_, phase)) = PHASE_MARKERS.iter().find(|(m, _)| line.contains(m)) {
        return Some(Event::Phase(phase));
    }
    if let Some(at) = line.find(STORE_WROTE) {
        let path = line[at + STORE_WROTE.len()..].trim();
        return path
            .ends_with("results.edn")
            .then(|| Event::ResultsWritten(path.to_string()));
    }
    VERDICT_MARKERS
        .iter()
        .find(|(m, _)| line.contains(m))
        .map(|&(_, said)| Event::Verdict(said))
}

/// Expected durations of the phases, for the bar's length.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Timeline {
    steps: Vec<(Phase, Duration)>,
}

impl Timeline {
    /// Measured on Maelstrom 0.2.4 (SPEC §7): JVM ≈ 2.3 s, setup ≈ 2.2 s, teardown ≈ 1–2 s,
    /// analysis ≈ 2 s; the final phase adds the 10 s quiet period and the final reads.
    pub(crate) fn new(time_limit_s: u32, final_phase: bool) -> Timeline {
        let s = Duration::from_secs;
        let mut steps = vec![
            (Phase::JvmStart, s(3)),
            (Phase::Setup, s(2)),
            (Phase::Clients, s(u64::from(time_limit_s))),
        ];
        if final_phase {
            steps.push((Phase::Recovery, s(11)));
        }
        steps.push((Phase::Teardown, s(2)));
        steps.push((Phase::Analysis, s(3)));
        Timeline { steps }
    }

    /// The simulator with external nodes: no JVM, setup in well under a second, the test in
    /// real time, and the checkers in about a second.
    pub(crate) fn live(time_limit_s: u32, final_phase: bool) -> Timeline {
        let s = Duration::from_secs;
        let mut steps = vec![
            (Phase::Setup, s(1)),
            (Phase::Clients, s(u64::from(time_limit_s))),
        ];
        if final_phase {
            steps.push((Phase::Recovery, s(11)));
        }
        steps.push((Phase::Analysis, s(1)));
        Timeline { steps }
    }

    fn total(&self) -> Duration {
        self.steps.iter().map(|(_, d)| *d).sum()
    }

    fn expected(&self, phase: Phase) -> Option<Duration> {
        self.steps
            .iter()
            .find(|(p, _)| *p == phase)
            .map(|(_, d)| *d)
    }

    /// Where the bar stands: the planned time of every earlier phase, plus the time spent in
    /// this one, capped just short of its planned end so the bar never claims a phase is over
    /// before Maelstrom says so.
    fn position(&self, phase: Phase, in_phase: Duration) -> Duration {
        if phase == Phase::Done {
            return self.total();
        }
        let before: Duration = self
            .steps
            .iter()
            .take_while(|(p, _)| *p < phase)
            .map(|(_, d)| *d)
            .sum();
        let own = self.expected(phase).unwrap_or_default();
        before + in_phase.min(own.mul_f64(0.95))
    }
}

/// Where phase changes go.
pub(crate) enum Display {
    /// This run's own bar.
    Bar(ProgressBar),
    /// `run all`'s overall bar: this run's phase becomes its message.
    Shared { bar: ProgressBar, prefix: String },
    /// One line per phase on stderr.
    Lines { prefix: String },
    /// Nothing shown (library callers, tests and benchmarks).
    Quiet,
}

impl Display {
    /// A bar on a terminal, plain lines otherwise. (The bar's length comes from the run's
    /// [`Timeline`] once the run starts.)
    pub(crate) fn for_run(prefix: &str) -> Display {
        if bars_enabled() {
            Display::Bar(new_bar(
                Some(1),
                "{spinner} [{elapsed_precise}] {bar:30.cyan/blue} {msg}",
                true,
            ))
        } else {
            Display::Lines {
                prefix: prefix.into(),
            }
        }
    }
}

/// Follows a run through its phases and keeps the display current.
pub(crate) struct Tracker {
    plan: Timeline,
    phase: Phase,
    since: Instant,
    started: Instant,
    display: Display,
}

impl Tracker {
    pub(crate) fn new(plan: Timeline, display: Display) -> Tracker {
        if let Display::Bar(bar) = &display {
            bar.set_length(plan.total().as_millis() as u64);
        }
        let now = Instant::now();
        let first = plan
            .steps
            .first()
            .map_or(Phase::JvmStart, |(phase, _)| *phase);
        let mut t = Tracker {
            plan,
            phase: first,
            since: now,
            started: now,
            display,
        };
        t.announce();
        t
    }

    /// Moves to `phase` if it is later than the current one (phases never go back).
    pub(crate) fn enter(&mut self, phase: Phase) {
        if phase > self.phase {
            self.phase = phase;
            self.since = Instant::now();
            self.announce();
        }
    }

    fn message(&self) -> String {
        match (self.phase, self.plan.expected(self.phase)) {
            (Phase::Clients, Some(d)) => format!("{} for {} s", self.phase.label(), d.as_secs()),
            _ => self.phase.label().to_string(),
        }
    }

    fn announce(&mut self) {
        let msg = self.message();
        match &self.display {
            Display::Bar(bar) => bar.set_message(msg),
            Display::Shared { bar, prefix } => bar.set_message(format!("{prefix}: {msg}")),
            Display::Lines { prefix } => crate::driver::output::tell(&format!(
                "[{:>6.1} s] {prefix}: {msg}",
                self.started.elapsed().as_secs_f64()
            )),
            Display::Quiet => {}
        }
        self.tick();
    }

    /// Refreshes the bar position from the clock.
    pub(crate) fn tick(&mut self) {
        if let Display::Bar(bar) = &self.display {
            let pos = self.plan.position(self.phase, self.since.elapsed());
            bar.set_position(pos.as_millis() as u64);
        }
    }

    /// Clears this run's bar (the shared one stays for `run all`).
    pub(crate) fn finish(&mut self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_only_on_interactive_terminals() {
        assert!(show_bars(true, None, Some("xterm-256color")));
        assert!(!show_bars(false, None, Some("xterm")));
        assert!(!show_bars(true, Some("true"), Some("xterm")));
        assert!(!show_bars(true, Some("1"), None));
        assert!(show_bars(true, Some("false"), None));
        assert!(show_bars(true, Some(""), None));
        assert!(!show_bars(true, None, Some("dumb")));
    }

    fn events(text: &str) -> Vec<Event> {
        text.lines().filter_map(event_of_line).collect()
    }

    #[test]
    fn phases_from_a_real_echo_log() {
        let log =
            include_str!("../../../tests/fixtures/store/echo-20261121T112534.331Z/jepsen.log.tail");
        let phases: Vec<Event> = events(log);
        assert_eq!(
            phases,
            [
                Event::Phase(Phase::Setup),
                Event::Phase(Phase::Setup),
                Event::Phase(Phase::Clients),
                Event::Phase(Phase::Teardown),
                Event::Phase(Phase::Analysis),
                Event::ResultsWritten("store/echo/20261121T112534.331Z/results.edn".into()),
                Event::Verdict(ConsoleVerdict::Valid),
            ]
        );
    }

    #[test]
    fn broadcast_has_a_recovery_phase_and_lin_kv_subresults_are_not_the_results() {
        let log = include_str!(
            "../../../tests/fixtures/store/broadcast-20261121T112556.282Z/jepsen.log.tail"
        );
        let ev = events(log);
        assert!(ev.contains(&Event::Phase(Phase::Recovery)));
        assert!(ev.contains(&Event::Verdict(ConsoleVerdict::Invalid)));
        let log = include_str!(
            "../../../tests/fixtures/store/lin-kv-20261121T112653.280Z/jepsen.log.tail"
        );
        let written: Vec<Event> = events(log)
            .into_iter()
            .filter(|e| matches!(e, Event::ResultsWritten(_)))
            .collect();
        assert_eq!(
            written,
            [Event::ResultsWritten(
                "store/lin-kv/20261121T112653.280Z/results.edn".into()
            )]
        );
    }

    #[test]
    fn console_format_is_understood() {
        assert_eq!(
            event_of_line("INFO\t[jepsen test runner] jepsen.core: Relative time begins now"),
            Some(Event::Phase(Phase::Clients))
        );
        assert_eq!(
            event_of_line("Errors occurred during analysis, but no anomalies found. ಠ~ಠ"),
            Some(Event::Verdict(ConsoleVerdict::Unknown))
        );
        assert_eq!(
            event_of_line("INFO [jepsen worker 0] jepsen.util: 0 :invoke :echo"),
            None
        );
    }

    #[test]
    fn plan_positions_advance_and_stay_inside_phases() {
        let plan = Timeline::new(20, true);
        assert_eq!(plan.total(), Duration::from_secs(3 + 2 + 20 + 11 + 2 + 3));
        let s = Duration::from_secs;
        assert_eq!(plan.position(Phase::JvmStart, s(1)), s(1));
        // A slow JVM does not push the bar into the setup phase.
        assert!(plan.position(Phase::JvmStart, s(60)) < s(3));
        assert_eq!(plan.position(Phase::Clients, s(0)), s(5));
        assert_eq!(plan.position(Phase::Clients, s(10)), s(15));
        assert_eq!(plan.position(Phase::Analysis, s(0)), s(38));
        assert_eq!(plan.position(Phase::Done, s(0)), plan.total());
        // Without a final phase, recovery is skipped.
        let echo = Timeline::new(10, false);
        assert_eq!(echo.expected(Phase::Recovery), None);
        assert_eq!(echo.position(Phase::Teardown, s(0)), s(15));
    }
}

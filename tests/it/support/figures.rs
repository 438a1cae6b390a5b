//! Assertions on a judged run's figures that many tests make the same way.

use glomers::verdict::Figures;

/// Fails unless the workload checker named `anomaly` (the message lists what it did name).
pub fn assert_anomaly(f: &Figures, anomaly: &str) {
    assert!(
        f.anomalies.iter().any(|a| a == anomaly),
        "{anomaly} not among {:?}",
        f.anomalies
    );
}

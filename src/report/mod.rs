//! Reading finished Maelstrom runs (`store/…`) and rendering verdicts.

pub mod edn;
pub mod history;
pub mod render;

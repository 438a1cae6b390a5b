//! Reading finished Maelstrom runs (`store/…`) and rendering verdicts.

pub mod render;

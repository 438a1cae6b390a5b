//! `glomers report`: real Maelstrom run folders read right, hostile run folders refused
//! clearly, and the pages and plots every run folder gets.

mod limits;
pub mod pages;
mod store_runs;

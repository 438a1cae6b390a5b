//! The last `N` lines a child wrote, for the message that says how it ended: the older ones
//! make way, so a child that writes for hours keeps no more than `N` lines here. Used for a
//! crashed node's stdout and stderr ([`crate::sim::external`]) and for Maelstrom's console
//! when it ends without results (the driver).

use std::collections::VecDeque;

/// At most `N` lines, the newest last.
#[derive(Clone, Debug, Default)]
pub struct Tail<const N: usize> {
    lines: VecDeque<String>,
}

impl<const N: usize> Tail<N> {
    /// Keeps `line` as the newest, letting go of the oldest if `N` are kept already.
    pub fn push(&mut self, line: impl Into<String>) {
        if N == 0 {
            return;
        }
        if self.lines.len() == N {
            self.lines.pop_front();
        }
        self.lines.push_back(line.into());
    }

    /// The lines kept, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// The lines kept, oldest first, one a line.
    pub fn joined(&self) -> String {
        self.iter().collect::<Vec<_>>().join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_lines_are_kept_in_order() {
        let mut tail = Tail::<3>::default();
        for line in ["a", "b", "c", "d", "e"] {
            tail.push(line);
        }
        assert_eq!(tail.iter().collect::<Vec<_>>(), ["c", "d", "e"]);
        assert_eq!(tail.joined(), "c\nd\ne");
    }

    #[test]
    fn fewer_lines_than_room_are_all_kept() {
        let mut tail = Tail::<3>::default();
        assert_eq!(tail.joined(), "");
        tail.push(String::from("only"));
        assert_eq!(tail.joined(), "only");
    }

    #[test]
    fn a_tail_of_no_lines_keeps_none() {
        let mut tail = Tail::<0>::default();
        tail.push("dropped");
        assert_eq!(tail.iter().count(), 0);
    }
}

//! Emitters: the IR rendered for the outside world.

pub mod dockerfile;

//! Exit codes: 0 success, 1 the input has errors, 2 usage or I/O problems
//! (clap's own usage errors also exit with 2).

pub const SUCCESS: u8 = 0;
pub const INPUT_ERRORS: u8 = 1;
pub const USAGE: u8 = 2;

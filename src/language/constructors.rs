//! The builtin constructors (`user(...)`, `healthcheck(...)`) and their parameters.

use super::steps::{expr, ParamInfo};
use super::Ty;

/// A builtin constructor callable as `name(...)`: parameters by position or name.
pub struct ConstructorInfo {
    pub name: &'static str,
    pub params: &'static [ParamInfo],
    pub doc: &'static str,
}

pub const CONSTRUCTORS: &[ConstructorInfo] = &[
    ConstructorInfo {
        name: "user",
        params: &[
            expr("name", || Ty::String, true, "the user name"),
            expr("uid", || Ty::Int, true, "the numeric user id"),
            expr(
                "gid",
                || Ty::Int,
                false,
                "the numeric group id (default: the uid)",
            ),
        ],
        doc: "a user the container runs as",
    },
    ConstructorInfo {
        name: "healthcheck",
        params: &[
            expr("cmd", || Ty::Command, true, "the check's command"),
            expr("interval", || Ty::Duration, false, "time between checks"),
            expr("timeout", || Ty::Duration, false, "time one check may take"),
            expr(
                "start_period",
                || Ty::Duration,
                false,
                "grace period after start",
            ),
            expr("retries", || Ty::Int, false, "failures before unhealthy"),
        ],
        doc: "how the engine checks the container",
    },
];

impl ConstructorInfo {
    pub fn lookup(name: &str) -> Option<&'static ConstructorInfo> {
        CONSTRUCTORS.iter().find(|c| c.name == name)
    }
}

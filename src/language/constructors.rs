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
    ConstructorInfo {
        name: "bind",
        params: &[
            expr(
                "source",
                || Ty::Path,
                true,
                "the path read: in the build context, or in `from`",
            ),
            expr(
                "target",
                || Ty::AbsPath,
                true,
                "where the step sees it (read-only)",
            ),
            expr(
                "from",
                || Ty::Base,
                false,
                "a variant (its stage) or an image that is read (default: the build context)",
            ),
        ],
        doc: "files shown read-only to one `run` step, in no layer of the image",
    },
    ConstructorInfo {
        name: "cache",
        params: &[
            expr(
                "target",
                || Ty::AbsPath,
                true,
                "where the step sees the cache",
            ),
            expr(
                "id",
                || Ty::String,
                false,
                "the cache's name, shared by every step that names it (default: the target)",
            ),
            expr(
                "sharing",
                || Ty::Enum(vec!["shared".into(), "private".into(), "locked".into()]),
                false,
                "steps using it at once: `\"shared\"` (default), `\"private\"` (a copy each), `\"locked\"` (one at a time)",
            ),
        ],
        doc: "a directory one `run` step keeps between builds",
    },
];

impl ConstructorInfo {
    pub fn lookup(name: &str) -> Option<&'static ConstructorInfo> {
        CONSTRUCTORS.iter().find(|c| c.name == name)
    }
}

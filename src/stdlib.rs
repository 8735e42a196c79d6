//! The standard library of presets, embedded in the binary.
//!
//! An organisation can replace it with its own directory (`--stdlib DIR`); the
//! driver then loads `DIR/*.wbuild` under the same `std:<name>` keys.

/// `(module name, source)` for every embedded stdlib module.
pub const MODULES: &[(&str, &str)] = &[
    ("base", include_str!("../stdlib/base.wbuild")),
    ("python", include_str!("../stdlib/python.wbuild")),
    ("node", include_str!("../stdlib/node.wbuild")),
    ("php", include_str!("../stdlib/php.wbuild")),
    ("java", include_str!("../stdlib/java.wbuild")),
    ("go", include_str!("../stdlib/go.wbuild")),
];

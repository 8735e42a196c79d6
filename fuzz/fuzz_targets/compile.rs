//! Bytes → `add_file_bytes` → `check` → compile every variant → `format`.
//! Any panic, stack overflow, timeout or out-of-memory is a bug: the compiler must
//! turn every input into diagnostics or Dockerfiles.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut compiler = wbuild::Compiler::new();
    let file = compiler.add_file_bytes("fuzz.wbuild", data);
    let diagnostics = compiler.check(file);
    // Rendering walks spans and source text: a bad span panics here.
    let _ = compiler.render(&diagnostics, false);
    let _ = compiler.render_json(&diagnostics);
    for variant in compiler.variants(file) {
        match compiler.compile(file, &variant) {
            Ok(_) => {}
            Err(errors) => {
                let _ = compiler.render(&errors, false);
            }
        }
    }
    if let Some(formatted) = compiler.format(file) {
        // The formatted text is parsed and checked again (the same path an editor
        // takes after "format on save").
        let again = compiler.add_file("fuzz.wbuild", &formatted);
        let _ = compiler.check(again);
        let _ = compiler.format(again);
    }
});

//! The wbuild language server lives here once its issue is taken up (see ROADMAP).
//! It is deliberately empty today: the compiler core keeps the seams it will need
//! (byte spans, plain-data diagnostics, a shared salsa database).

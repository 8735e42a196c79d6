//! Lowering of a variant's runtime settings: one instruction per field whose
//! lowering is `Runtime` in the field table (`language/fields.rs`), in the
//! table's order, at the end of its stage.

use super::paths::{absolute, normalise_dest};
use super::{Lowering, PRIVATE_LABEL, VARIANT_LABEL};
use crate::check::types::{Command, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, JsonText, LabelKey, LineText, Located};
use crate::language::Field;
use crate::span::Origin;
use crate::variants::{Evaluated, ResolvedVariant};

/// Whether the `workdir` field makes a `WORKDIR` at the end of the stage: it
/// differs from where the steps left it.
pub(super) fn ends_with_workdir(value: Option<&Val>, workdir: &str) -> bool {
    matches!(value, Some(Val { kind: ValKind::Path(path), .. })
        if absolute(path, workdir) != normalise_dest(workdir))
}

impl Lowering<'_> {
    pub(super) fn runtime(
        &mut self,
        evaluated: &Evaluated,
        variant: &ResolvedVariant,
        out: &mut Vec<Located>,
        workdir: &str,
    ) -> bool {
        let mut ok = true;
        for field in Field::runtime() {
            let value = variant.fields.get(&field);
            ok &= match field {
                Field::Labels => self.labels(evaluated, variant, out),
                Field::Expose => self.expose(value, out),
                Field::Volumes => self.volumes(variant, value, out, workdir),
                Field::Healthcheck => self.healthcheck(value, out),
                Field::Workdir => self.workdir(value, out, workdir),
                Field::User => self.user(value, out),
                Field::Entrypoint => self.command(field, value, out, Instruction::Entrypoint),
                Field::Cmd => self.command(field, value, out, Instruction::Cmd),
                // Lowered elsewhere, as the table says: FROM, the steps, the
                // image's annotations, the policy's exceptions; a base image's
                // fields never reach a variant (the index refuses them there).
                Field::Base
                | Field::Steps
                | Field::Version
                | Field::Source
                | Field::Allow
                | Field::Private
                | Field::Suite
                | Field::Sources
                | Field::Packages
                | Field::Users
                | Field::Environment => true,
            };
        }
        ok
    }

    /// The image's title and version, the variant label, then the variant's own
    /// labels (which may override them).
    fn labels(
        &mut self,
        evaluated: &Evaluated,
        variant: &ResolvedVariant,
        out: &mut Vec<Located>,
    ) -> bool {
        let mut ok = true;
        let mut labels: Vec<(String, String, Origin)> = Vec::new();
        if let Some(image) = &evaluated.image {
            labels.push((
                "org.opencontainers.image.title".into(),
                image.name.clone(),
                image.origin,
            ));
            match &image.version {
                // Checked where the image is declared (and reported there, once).
                Some(version) if LineText::new(version).is_err() => ok = false,
                Some(version) => labels.push((
                    "org.opencontainers.image.version".into(),
                    version.clone(),
                    image.version_origin.unwrap_or(image.origin),
                )),
                None => {}
            }
        }
        labels.push((VARIANT_LABEL.into(), variant.name.clone(), variant.origin));
        if let Some(Val {
            kind: ValKind::Map(map),
            ..
        }) = variant.fields.get(&Field::Labels)
        {
            for (k, v) in map {
                if k == PRIVATE_LABEL {
                    // Written from `private`, and read by `publish` to keep the
                    // image out of the public namespace: no label may forge it.
                    self.error(
                        Code::InvalidName,
                        format!("`{PRIVATE_LABEL}` is written by wbuildc, not by a label"),
                        v.origin,
                        "reserved label",
                        "say `private = true` on the variant (or the image block) instead",
                    );
                    ok = false;
                    continue;
                }
                let text = v.kind.to_text().unwrap_or_default();
                labels.retain(|(key, _, _)| key != k);
                labels.push((k.clone(), text, v.origin));
            }
        }
        // Last, so that no label of the variant's can say otherwise: `publish`
        // reads it to keep a private image out of the public namespace.
        if let Some(origin) = variant.private_origin() {
            labels.retain(|(key, _, _)| key != PRIVATE_LABEL);
            labels.push((PRIVATE_LABEL.into(), "true".into(), origin));
        }
        let mut pairs = Vec::new();
        for (key, value, origin) in labels {
            let key = match LabelKey::new(&key) {
                Ok(k) => Some(k),
                Err(_) => {
                    self.error(
                        Code::InvalidName,
                        format!("`{key}` is not a valid label key"),
                        origin,
                        "invalid label key",
                        LabelKey::ACCEPTS,
                    );
                    None
                }
            };
            let value = self.value(LineText::new, "a label value", &value, origin);
            match (key, value) {
                (Some(k), Some(v)) => pairs.push((k, v)),
                _ => ok = false,
            }
        }
        ok && self.push(out, Instruction::Label(pairs), variant.origin)
    }

    fn expose(&mut self, value: Option<&Val>, out: &mut Vec<Located>) -> bool {
        let Some(Val {
            kind: ValKind::List(ports),
            origin,
        }) = value
        else {
            return true;
        };
        let ports: Vec<_> = ports
            .iter()
            .filter_map(|p| match p.kind {
                ValKind::Port(p) => Some(p),
                _ => None,
            })
            .collect();
        ports.is_empty() || self.push(out, Instruction::Expose(ports), *origin)
    }

    fn volumes(
        &mut self,
        variant: &ResolvedVariant,
        value: Option<&Val>,
        out: &mut Vec<Located>,
        workdir: &str,
    ) -> bool {
        let Some(Val {
            kind: ValKind::List(paths),
            origin,
        }) = value
        else {
            return true;
        };
        // Relative volumes are relative to the working directory at run time.
        let runtime_dir = match variant.fields.get(&Field::Workdir).map(|v| &v.kind) {
            Some(ValKind::Path(dir)) => absolute(dir, workdir),
            _ => workdir.to_string(),
        };
        let texts: Vec<String> = paths
            .iter()
            .map(|p| absolute(&p.kind.to_text().unwrap_or_default(), &runtime_dir))
            .collect();
        match self.json_args("a volume path", &texts, *origin) {
            Some(volumes) if !volumes.is_empty() => {
                self.push(out, Instruction::Volume(volumes), *origin)
            }
            Some(_) => true,
            None => false,
        }
    }

    fn healthcheck(&mut self, value: Option<&Val>, out: &mut Vec<Located>) -> bool {
        let Some(Val {
            kind: ValKind::Healthcheck(h),
            origin,
        }) = value
        else {
            return true;
        };
        let command = match &h.command {
            Command::Exec(args) => args.clone(),
            Command::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
        };
        let Some(command) = self.json_args("a healthcheck command", &command, *origin) else {
            return false;
        };
        let instruction = Instruction::Healthcheck {
            command,
            interval: h.interval.clone(),
            timeout: h.timeout.clone(),
            start_period: h.start_period.clone(),
            retries: h.retries,
        };
        self.push(out, instruction, *origin)
    }

    /// `WORKDIR` at the end only when it differs from where the steps left it.
    fn workdir(&mut self, value: Option<&Val>, out: &mut Vec<Located>, workdir: &str) -> bool {
        let Some(Val {
            kind: ValKind::Path(path),
            origin,
        }) = value
        else {
            return true;
        };
        if !ends_with_workdir(value, workdir) {
            return true;
        }
        let path = absolute(path, workdir);
        match self.value(LineText::new, "the working directory", &path, *origin) {
            Some(text) => self.push(out, Instruction::Workdir(text), *origin),
            None => false,
        }
    }

    fn user(&mut self, value: Option<&Val>, out: &mut Vec<Located>) -> bool {
        let Some(Val {
            kind: ValKind::User(user),
            origin,
        }) = value
        else {
            return true;
        };
        let instruction = Instruction::User {
            uid: user.uid,
            gid: user.gid,
        };
        self.push(out, instruction, *origin)
    }

    /// `ENTRYPOINT` or `CMD`, always in exec form (a shell string is wrapped in
    /// `/bin/sh -c` and warned about).
    fn command(
        &mut self,
        field: Field,
        value: Option<&Val>,
        out: &mut Vec<Located>,
        make: fn(Vec<JsonText>) -> Instruction,
    ) -> bool {
        let Some(Val {
            kind: ValKind::Command(command),
            origin,
        }) = value
        else {
            return true;
        };
        let args = match command {
            Command::Exec(args) => args.clone(),
            Command::Shell(s) => {
                let mut d = Diagnostic::new(
                    Code::CmdNotExecForm,
                    format!(
                        "`{}` is a single string, run through /bin/sh -c",
                        field.name()
                    ),
                    origin.file,
                    origin.span,
                    "shell form",
                )
                .with_help("write a list of arguments: [\"program\", \"arg\"]");
                if let Some(list) = self.exec_form_of_literal(s, *origin) {
                    d = d.with_replacement("write it as a list of arguments", list);
                }
                self.diagnostics.push(d);
                vec!["/bin/sh".into(), "-c".into(), s.clone()]
            }
        };
        match self.json_args("a command argument", &args, *origin) {
            Some(args) => self.push(out, make(args), *origin),
            None => false,
        }
    }

    /// The exec form of a shell-form command, when the rewrite cannot change what
    /// runs: the command is written as a plain string literal right here, and the
    /// shell would only split it at spaces (no quotes, variables, globs,
    /// redirections, operators or escapes).
    fn exec_form_of_literal(&self, command: &str, origin: Origin) -> Option<String> {
        let written = self.source.get(origin.span.range())?;
        let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c);
        let words: Vec<&str> = command.split(' ').filter(|w| !w.is_empty()).collect();
        let safe = origin.file == self.root
            && written == format!("\"{command}\"")
            && !words.is_empty()
            && command.chars().all(|c| c == ' ' || plain(c))
            // `a=b cmd` sets a variable for the command in a shell.
            && !words[0].contains('=');
        safe.then(|| {
            let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
            format!("[{}]", quoted.join(", "))
        })
    }
}

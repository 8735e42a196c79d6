//! Lowering of a variant's runtime settings: labels, expose, volumes,
//! healthcheck, workdir, user, entrypoint and cmd, in that order at the end of
//! its stage.

use super::paths::{absolute, normalise_dest};
use super::{Lowering, VARIANT_LABEL};
use crate::check::schema::Field;
use crate::check::types::{Command, Val, ValKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Instruction, LabelKey, LineText, Located};
use crate::span::Origin;
use crate::variants::{Evaluated, ResolvedVariant};

impl Lowering {
    pub(super) fn runtime(
        &mut self,
        evaluated: &Evaluated,
        variant: &ResolvedVariant,
        out: &mut Vec<Located>,
        workdir: &str,
    ) -> bool {
        let fields = &variant.fields;
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
        }) = fields.get(&Field::Labels)
        {
            for (k, v) in map {
                let text = v.kind.to_text().unwrap_or_default();
                labels.retain(|(key, _, _)| key != k);
                labels.push((k.clone(), text, v.origin));
            }
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
        ok &= self.push(out, Instruction::Label(pairs), variant.origin);

        if let Some(Val {
            kind: ValKind::List(ports),
            origin,
        }) = fields.get(&Field::Expose)
        {
            let ports: Vec<_> = ports
                .iter()
                .filter_map(|p| match p.kind {
                    ValKind::Port(p) => Some(p),
                    _ => None,
                })
                .collect();
            if !ports.is_empty() {
                ok &= self.push(out, Instruction::Expose(ports), *origin);
            }
        }
        if let Some(Val {
            kind: ValKind::List(paths),
            origin,
        }) = fields.get(&Field::Volumes)
        {
            // Relative volumes are relative to the working directory at run time.
            let runtime_dir = match fields.get(&Field::Workdir).map(|v| &v.kind) {
                Some(ValKind::Path(dir)) => absolute(dir, workdir),
                _ => workdir.to_string(),
            };
            let texts: Vec<String> = paths
                .iter()
                .map(|p| absolute(&p.kind.to_text().unwrap_or_default(), &runtime_dir))
                .collect();
            match self.json_args("a volume path", &texts, *origin) {
                Some(volumes) if !volumes.is_empty() => {
                    ok &= self.push(out, Instruction::Volume(volumes), *origin)
                }
                Some(_) => {}
                None => ok = false,
            }
        }
        if let Some(Val {
            kind: ValKind::Healthcheck(h),
            origin,
        }) = fields.get(&Field::Healthcheck)
        {
            let command = match &h.command {
                Command::Exec(args) => args.clone(),
                Command::Shell(s) => vec!["/bin/sh".into(), "-c".into(), s.clone()],
            };
            match self.json_args("a healthcheck command", &command, *origin) {
                Some(command) => {
                    let instruction = Instruction::Healthcheck {
                        command,
                        interval: h.interval.clone(),
                        timeout: h.timeout.clone(),
                        start_period: h.start_period.clone(),
                        retries: h.retries,
                    };
                    ok &= self.push(out, instruction, *origin);
                }
                None => ok = false,
            }
        }
        if let Some(Val {
            kind: ValKind::Path(path),
            origin,
        }) = fields.get(&Field::Workdir)
        {
            let path = absolute(path, workdir);
            if path != normalise_dest(workdir) {
                match self.value(LineText::new, "the working directory", &path, *origin) {
                    Some(text) => ok &= self.push(out, Instruction::Workdir(text), *origin),
                    None => ok = false,
                }
            }
        }
        if let Some(Val {
            kind: ValKind::User(user),
            origin,
        }) = fields.get(&Field::User)
        {
            ok &= self.push(
                out,
                Instruction::User {
                    uid: user.uid,
                    gid: user.gid,
                },
                *origin,
            );
        }
        for (field, make) in [
            (
                Field::Entrypoint,
                Instruction::Entrypoint as fn(Vec<crate::ir::JsonText>) -> Instruction,
            ),
            (Field::Cmd, Instruction::Cmd),
        ] {
            if let Some(Val {
                kind: ValKind::Command(command),
                origin,
            }) = fields.get(&field)
            {
                let args = match command {
                    Command::Exec(args) => args.clone(),
                    Command::Shell(s) => {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::CmdNotExecForm,
                                format!(
                                    "`{}` is a single string, run through /bin/sh -c",
                                    field.name()
                                ),
                                origin.file,
                                origin.span,
                                "shell form",
                            )
                            .with_help("write a list of arguments: [\"program\", \"arg\"]"),
                        );
                        vec!["/bin/sh".into(), "-c".into(), s.clone()]
                    }
                };
                match self.json_args("a command argument", &args, *origin) {
                    Some(args) => ok &= self.push(out, make(args), *origin),
                    None => ok = false,
                }
            }
        }
        ok
    }
}

//! The image declaration: its name, version and source, checked where they are
//! written, and the fields every variant starts from.

use super::resolver::{Module, Resolver};
use super::Fields;
use crate::diagnostics::{Code, Diagnostic};
use crate::language::Field;
use crate::span::Origin;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageDecl {
    pub name: String,
    pub version: Option<String>,
    pub source: Option<String>,
    pub origin: Origin,
    /// Where `version` and `source` are written.
    pub version_origin: Option<Origin>,
    pub source_origin: Option<Origin>,
}

/// The file's image (if it declares one) and the fields its variants start from
/// (the image block's, without the image-only ones).
pub(super) fn declare<'db>(
    resolver: &mut Resolver<'db, '_>,
    module: &Module<'db>,
) -> (Option<ImageDecl>, Fields) {
    let Some(ast_image) = module.image() else {
        return (None, Fields::default());
    };
    let mut fields = resolver
        .apply(module, None, &[], &ast_image.body, Fields::default())
        .fields;
    let text = |field: Field| fields.get(&field).and_then(|v| v.kind.to_text());
    let origin = |field: Field| fields.get(&field).map(|v| v.origin);
    let image = ImageDecl {
        name: ast_image.name.as_plain().unwrap_or_default(),
        version: text(Field::Version),
        source: text(Field::Source),
        version_origin: origin(Field::Version),
        source_origin: origin(Field::Source),
        origin: Origin {
            file: module.id,
            span: ast_image.name.span,
        },
    };
    if ast_image.name.as_plain().is_none() {
        resolver.report(
            Diagnostic::new(Code::BadInterpolation, "an image name cannot use interpolation", module.id, ast_image.name.span, "not a plain string")
                .with_help("write the image name literally: it identifies the image in every registry and report"),
        );
    }
    for d in check(&image) {
        resolver.report(d);
    }
    fields.shift_remove(&Field::Version);
    fields.shift_remove(&Field::Source);
    (Some(image), fields)
}

/// `version` and `source` become labels and OCI annotations: one line of text
/// each, and a source is a URL (no spaces). The name is a repository path.
fn check(image: &ImageDecl) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (what, value, origin, spaces) in [
        ("`version`", &image.version, image.version_origin, true),
        ("`source`", &image.source, image.source_origin, false),
    ] {
        let (Some(text), Some(origin)) = (value, origin) else {
            continue;
        };
        let refusal = crate::ir::LineText::new(text)
            .err()
            .map(|r| (r.found, r.accepts))
            .or_else(|| {
                text.chars()
                    .find(|c| !spaces && c.is_whitespace())
                    .map(|c| {
                        (
                            format!("whitespace (U+{:04X})", c as u32),
                            "a source is a URL, without spaces",
                        )
                    })
            });
        if let Some((found, accepts)) = refusal {
            out.push(
                Diagnostic::new(
                    Code::UnrepresentableValue,
                    format!("the image's {what} cannot contain {found}"),
                    origin.file,
                    origin.span,
                    "cannot be written into labels and annotations unchanged",
                )
                .with_note(accepts)
                .with_help("remove the character; wbuild never alters values to make them fit"),
            );
        }
    }
    let valid_name = !image.name.is_empty()
        && image
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_./".contains(&b));
    if !valid_name {
        out.push(
            Diagnostic::new(
                Code::InvalidName,
                format!("`{}` is not a valid image name", image.name),
                image.origin.file,
                image.origin.span,
                "image name",
            )
            .with_help("image names are lowercase [a-z0-9-_./], like a repository path"),
        );
    }
    out
}

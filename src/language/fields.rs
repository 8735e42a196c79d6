//! Every field a variant or image body can set, declared once in [`fields!`]:
//! its name, type, how `+=` applies, where it may appear and where lowering puts
//! it. Checking, merging, lowering, the sweep and the docs read this table.

use super::Ty;

/// How an assignment to the field applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// One value: `=` replaces it, `+=` is an error (WB2011).
    Replace,
    /// A list, map or step block: `+=` appends (maps merge, the right side wins).
    Append,
}

/// Where a field may be assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// In variants, presets and the image block (which every variant starts from).
    Anywhere,
    /// In the image block only.
    Image,
    /// In `base` items only (what `wbuildc base build` makes the image from).
    Base,
    /// In variants, presets and the image block, and in `base` items.
    AnywhereAndBase,
}

/// The kind of body a field is assigned in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// A variant or a preset.
    Variant,
    /// The `image "NAME" { ... }` block.
    Image,
    /// A `base "REF" { ... }` item.
    Base,
}

impl BodyKind {
    /// What the body is called in messages ("not a variant field").
    pub fn name(self) -> &'static str {
        match self {
            BodyKind::Variant => "variant",
            BodyKind::Image => "image",
            BodyKind::Base => "base image",
        }
    }
}

/// Where a field's value ends up when a variant is lowered to a stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lowering {
    /// The stage's `FROM`.
    From,
    /// The stage's build instructions, in order.
    Steps,
    /// One instruction after the steps; these come in the table's order.
    Runtime,
    /// The image's labels and OCI annotations.
    Annotation,
    /// Read by the policy only (exceptions), never written into the image.
    Policy,
    /// Read by `wbuildc base build`: the root filesystem and the image config.
    BaseImage,
}

pub struct FieldInfo {
    pub field: Field,
    pub name: &'static str,
    /// The field's type, built on demand (so that the table is `const`).
    pub ty: fn() -> Ty,
    pub merge: Merge,
    pub place: Place,
    pub lowering: Lowering,
    pub doc: &'static str,
}

/// Declares [`Field`] and [`FIELDS`] from one list, in lowering order, so the
/// enum and the table cannot disagree.
macro_rules! fields {
    ($($variant:ident $name:literal : $ty:expr, $merge:ident, $place:ident, $lowering:ident, $doc:literal;)+) => {
        /// A field of a variant or image body. The order is the lowering order.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Field {
            $(#[doc = $doc] $variant,)+
        }

        /// Every field, in the order of [`Field`].
        pub const FIELDS: &[FieldInfo] = &[$(FieldInfo {
            field: Field::$variant,
            name: $name,
            ty: || $ty,
            merge: Merge::$merge,
            place: Place::$place,
            lowering: Lowering::$lowering,
            doc: $doc,
        },)+];
    };
}

fields! {
    Base "base": Ty::Base, Replace, Anywhere, From,
        "the image (or variant) the stage starts FROM";
    Steps "steps": Ty::Steps, Append, Anywhere, Steps,
        "ordered build steps";
    Labels "labels": Ty::Map(Box::new(Ty::String)), Append, AnywhereAndBase, Runtime,
        "image labels";
    Expose "expose": Ty::List(Box::new(Ty::Port)), Append, Anywhere, Runtime,
        "ports the service listens on";
    Volumes "volumes": Ty::List(Box::new(Ty::Path)), Append, Anywhere, Runtime,
        "paths declared as volumes";
    Healthcheck "healthcheck": Ty::Healthcheck, Replace, Anywhere, Runtime,
        "how the engine checks the container";
    Workdir "workdir": Ty::Path, Replace, AnywhereAndBase, Runtime,
        "the working directory at run time";
    User "user": Ty::User, Replace, Anywhere, Runtime,
        "the user processes run as";
    Entrypoint "entrypoint": Ty::Command, Replace, Anywhere, Runtime,
        "the program the container runs";
    Cmd "cmd": Ty::Command, Replace, AnywhereAndBase, Runtime,
        "the default arguments (or program)";
    Version "version": Ty::String, Replace, Image, Annotation,
        "the image version (OCI annotation)";
    Source "source": Ty::String, Replace, Image, Annotation,
        "the source repository URL (OCI annotation)";
    Suite "suite": Ty::String, Replace, Base, BaseImage,
        "the Debian release the root filesystem is made from (`bookworm`, `trixie`)";
    Sources "sources": Ty::List(Box::new(Ty::String)), Replace, Base, BaseImage,
        "APT repositories, `URI SUITE COMPONENT...`, each allowed by the policy (default: Debian's archive, the suite, `main`)";
    Packages "packages": Ty::List(Box::new(Ty::String)), Append, Base, BaseImage,
        "Debian packages installed on top of Essential and apt";
    Users "users": Ty::List(Box::new(Ty::User)), Append, Base, BaseImage,
        "users (and their groups) created in the image, without login shells or passwords";
    Environment "environment": Ty::Map(Box::new(Ty::String)), Append, Base, BaseImage,
        "environment variables of the image config";
    Private "private": Ty::Bool, Replace, Anywhere, Policy,
        "whether the image carries private data (e.g. unreleased security patches): published only under the policy's `publishing.private_repository`, and no public variant may use it";
    Allow "allow": Ty::Map(Box::new(Ty::String)), Append, Anywhere, Policy,
        "policy exceptions: rule name → reason (listed by `check --format json`)";
}

// `Field::info` indexes the table by discriminant: the macro writes both in one
// order, and this proves it at compile time.
const _: () = {
    let mut i = 0;
    while i < FIELDS.len() {
        assert!(FIELDS[i].field as usize == i);
        i += 1;
    }
};

impl Field {
    pub fn info(self) -> &'static FieldInfo {
        &FIELDS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn lookup(name: &str) -> Option<Field> {
        FIELDS.iter().find(|f| f.name == name).map(|f| f.field)
    }

    pub fn ty(self) -> Ty {
        (self.info().ty)()
    }

    /// Whether `+=` applies (lists, maps, step blocks).
    pub fn appendable(self) -> bool {
        self.info().merge == Merge::Append
    }

    /// Whether the field may be set in a variant or preset (not only the image).
    pub fn in_variants(self) -> bool {
        self.allowed_in(BodyKind::Variant)
    }

    /// Whether the field may be assigned in a body of this kind.
    pub fn allowed_in(self, kind: BodyKind) -> bool {
        let place = self.info().place;
        match kind {
            BodyKind::Variant => matches!(place, Place::Anywhere | Place::AnywhereAndBase),
            BodyKind::Image => matches!(
                place,
                Place::Anywhere | Place::AnywhereAndBase | Place::Image
            ),
            BodyKind::Base => matches!(place, Place::Base | Place::AnywhereAndBase),
        }
    }

    /// The fields lowered to one instruction each after the steps, in order.
    pub fn runtime() -> impl Iterator<Item = Field> {
        FIELDS
            .iter()
            .filter(|f| f.lowering == Lowering::Runtime)
            .map(|f| f.field)
    }
}

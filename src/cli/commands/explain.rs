use crate::cli::exit;
use crate::diagnostics::Code;

pub fn run(code: Option<&str>) -> u8 {
    let Some(text) = code else {
        for c in Code::ALL {
            println!("{}  {}", c.as_str(), c.title());
        }
        return exit::SUCCESS;
    };
    match Code::parse(text) {
        Some(c) => {
            println!("{}: {}\n\n{}", c.as_str(), c.title(), c.explain());
            exit::SUCCESS
        }
        None => {
            eprintln!("error: unknown diagnostic code `{text}`; `wbuildc explain` lists them all");
            exit::USAGE
        }
    }
}

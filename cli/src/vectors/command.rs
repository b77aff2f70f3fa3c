//! `keyway conformance run|fill`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::fill::{Filled, fill_file};
use super::load::{collect_files, parse_file, resolve};
use super::run::run_case;

/// `keyway conformance`'s subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ConformanceCommand {
    /// Runs vectors sequentially and on the parallel scheduler; prints one line per
    /// failure and `N passed, M failed`.
    Run(RunArgs),
    /// Computes the expectations vectors leave out and writes them into their files
    /// (bless mode). An existing expectation that disagrees is an error, and the file is
    /// left untouched.
    Fill(FillArgs),
}

/// Options of `keyway conformance run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// Vector files, or directories searched recursively for `*.json`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Worker threads of the parallel runs (instead of each vector's `thread_counts`).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Options of `keyway conformance fill`.
#[derive(clap::Args, Debug)]
pub struct FillArgs {
    /// Vector files, or directories searched recursively for `*.json`.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// Runs a `conformance` subcommand.
pub fn run(command: &ConformanceCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConformanceCommand::Run(args) => run_vectors(args),
        ConformanceCommand::Fill(args) => fill(args),
    }
}

fn label(path: &Path) -> String {
    path.display().to_string()
}

fn run_vectors(args: &RunArgs) -> anyhow::Result<ExitCode> {
    if args.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    let files = collect_files(&args.paths)?;
    let runtime = super::runtime(args.threads.unwrap_or(4))?;
    let threads = args.threads.map(|t| vec![t]);
    let (mut passed, mut failed) = (0usize, 0usize);
    for path in &files {
        let file = match parse_file(path) {
            Ok(file) => file,
            Err(e) => {
                crate::say!("ERROR {e:#}");
                failed += 1;
                continue;
            }
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        for vector in &file.vectors {
            let id = format!("{}::{}", label(path), vector.name);
            let case = match resolve(dir, &id, vector) {
                Ok(case) => case,
                Err(e) => {
                    crate::say!("ERROR {id}: {e}");
                    failed += 1;
                    continue;
                }
            };
            let (_, failures) = run_case(&runtime, &case, threads.as_deref());
            if failures.is_empty() {
                passed += 1;
            } else {
                for failure in &failures {
                    crate::say!("FAIL {failure}");
                }
                failed += 1;
            }
        }
    }
    crate::say!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn fill(args: &FillArgs) -> anyhow::Result<ExitCode> {
    let files = collect_files(&args.paths)?;
    let runtime = super::runtime(4)?;
    let mut ok = true;
    for path in &files {
        match fill_file(&runtime, path, &label(path)) {
            Ok(Filled::Unchanged) => crate::say!("{}: unchanged", label(path)),
            Ok(Filled::Written(n)) => crate::say!("{}: filled {n} fields", label(path)),
            Err(errors) => {
                ok = false;
                for error in errors {
                    crate::say!("ERROR {error}");
                }
                crate::say!("{}: left untouched", label(path));
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

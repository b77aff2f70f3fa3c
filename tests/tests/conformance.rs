//! The conformance vectors (`tests/vectors`, format in `tests/vectors/FORMAT.md`), each
//! vector its own test named `DIR::FILE_STEM::VECTOR`: run sequentially and on the
//! parallel scheduler at every thread count the vector asks for, and compared with its
//! expectations and with each other.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use keyway_cli::vectors;
use keyway_runtime::Runtime;
use libtest_mimic::{Arguments, Failed, Trial};

/// One runtime for every test (its code cache is shared; results do not depend on it).
fn runtime() -> Result<&'static Runtime, Failed> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| vectors::runtime(8).map_err(|e| format!("{e:#}")))
        .as_ref()
        .map_err(|e| Failed::from(e.as_str()))
}

/// `DIR::FILE_STEM` for a file under `root`.
fn test_prefix(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path).with_extension("");
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("::")
}

fn trials(root: &Path) -> Vec<Trial> {
    let files = match vectors::collect_files(&[root.to_path_buf()]) {
        Ok(files) => files,
        Err(e) => {
            let message = format!("{e:#}");
            return vec![Trial::test("vectors", move || Err(message.into()))];
        }
    };
    let mut trials = Vec::new();
    for path in files {
        let prefix = test_prefix(root, &path);
        let file = match vectors::parse_file(&path) {
            Ok(file) => file,
            Err(e) => {
                let message = format!("{e:#}");
                trials.push(Trial::test(prefix, move || Err(message.into())));
                continue;
            }
        };
        let dir: PathBuf = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        for vector in file.vectors {
            let name = format!("{prefix}::{}", vector.name);
            let id = format!("{}::{}", path.display(), vector.name);
            let dir = dir.clone();
            trials.push(Trial::test(name, move || {
                let case = vectors::resolve(&dir, &id, &vector)?;
                let (_, failures) = vectors::run_case(runtime()?, &case, None);
                if failures.is_empty() {
                    Ok(())
                } else {
                    let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
                    Err(lines.join("\n").into())
                }
            }));
        }
    }
    if trials.is_empty() {
        trials.push(Trial::test("vectors", || {
            Err("no vectors found under tests/vectors".into())
        }));
    }
    trials
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    libtest_mimic::run(&args, trials(&root)).exit();
}

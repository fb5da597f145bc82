//! Embeds every consent form in `consent_forms/` (one file per language), so
//! that adding a language is adding a file — no code.

fn main() {
    // The manifest directory as cargo gives it to this run, not as it was
    // when the script was compiled: a build script's binary can be reused
    // for a checkout elsewhere that shares the target directory.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = std::path::Path::new(&manifest).join("consent_forms");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("consent_forms/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    entries.sort();
    let mut out = String::from("pub static BUILT_IN: &[(&str, &str)] = &[\n");
    for p in entries {
        println!("cargo:rerun-if-changed={}", p.display());
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        out.push_str(&format!("    ({stem:?}, include_str!({:?})),\n", p.display().to_string()));
    }
    out.push_str("];\n");
    let target = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("consent_forms.rs");
    std::fs::write(target, out).unwrap();
}

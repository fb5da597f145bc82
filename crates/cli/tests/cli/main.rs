//! Tests of the `lotse` binary itself.

mod admin;
mod backup;
mod crash;
mod logs;
mod reports;
mod retention;

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn lotse(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lotse"))
        .args(args)
        .env_remove("LOTSE_DB")
        .env("LOTSE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start lotse");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("lotse ran")
}

pub fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = lotse(args, stdin);
    assert!(
        out.status.success(),
        "lotse {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A tenant `t` with provider `p1`, a case manager and their API token.
pub fn setup(url: &str) -> String {
    ok(&["--db", url, "admin", "tenant", "create", "t", "--name", "Teststadt"], None);
    ok(&["admin", "provider", "create", "--tenant", "t", "p1", "--name", "Träger 1", "--db", url], None);
    ok(
        &[
            "admin",
            "user",
            "create",
            "--tenant",
            "t",
            "--login",
            "cm",
            "--role",
            "case_manager",
            "--provider",
            "p1",
            "--password-stdin",
            "--db",
            url,
        ],
        Some("geheim-und-lang-123\n"),
    );
    ok(&["--db", url, "admin", "token", "create", "--tenant", "t", "--login", "cm"], None).trim().to_owned()
}

/// [`setup`] from async tests (it runs the binary, which blocks).
pub async fn setup_async(url: &str) -> String {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || setup(&url)).await.expect("setup ran")
}

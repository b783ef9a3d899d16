//! The `ember-notebook` binary's command line, without opening a window.

use std::process::Command;

#[test]
fn help_and_version_print_without_a_window() {
    let bin = env!("CARGO_BIN_EXE_ember-notebook");
    // No display: a window could not open, so success proves none was tried.
    let o = Command::new(bin).arg("--help").env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Usage: ember-notebook [OPTIONS] [NOTEBOOK]"), "{out}");
    assert!(out.contains("--export-ipynb <OUT.ipynb>"), "{out}");
    let o = Command::new(bin).arg("--version").env_remove("DISPLAY").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ember-notebook "));
    let o = Command::new(bin).arg("--frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unexpected argument '--frobnicate'"));
}

#[test]
fn export_without_a_window_and_its_errors() {
    let bin = env!("CARGO_BIN_EXE_ember-notebook");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo.ipynb");
    let o = Command::new(bin).arg("--export-ipynb").arg(&out).env_remove("DISPLAY").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["nbformat_minor"], 5);
    // A notebook that cannot be read is an error naming it, and nothing is written.
    let bad = dir.path().join("bad.ember.json");
    std::fs::write(&bad, "{ not json").unwrap();
    let out2 = dir.path().join("bad.ipynb");
    let o = Command::new(bin).arg(&bad).arg("--export-ipynb").arg(&out2).env_remove("DISPLAY").output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("line 1"), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!out2.exists());
}

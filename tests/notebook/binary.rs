//! The `ember-notebook` binary's command line, without opening a window.

use std::process::Command;

#[test]
fn help_and_version_print_without_a_window() {
    let bin = env!("CARGO_BIN_EXE_ember-notebook");
    // No display: a window could not open, so success proves none was tried.
    let o = Command::new(bin).arg("--help").env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Usage: ember-notebook [NOTEBOOK]"), "{out}");
    let o = Command::new(bin).arg("--version").env_remove("DISPLAY").output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("ember-notebook "));
    let o = Command::new(bin).arg("--frobnicate").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unexpected argument '--frobnicate'"));
}

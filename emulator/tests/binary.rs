//! The `m365-emulator` binary: the ready line, fast, and a working server behind it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn start(args: &[&str]) -> (std::process::Child, String, Duration) {
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_m365-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn m365-emulator");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line.trim_end().to_string(), t0.elapsed())
}

#[tokio::test]
async fn prints_ready_quickly_and_serves() {
    let dir = std::env::temp_dir().join(format!("emu-bin-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>x</title>").unwrap();
    let (mut child, line, took) = start(&[
        "--port",
        "0",
        "--app-dir",
        dir.to_str().unwrap(),
        "--seed",
        "demo",
        "--latency-ms",
        "0",
    ]);
    assert!(took < Duration::from_secs(2), "ready after {took:?}");
    let url = line
        .strip_prefix("ready ")
        .unwrap_or_else(|| panic!("{line}"));
    assert!(
        url.starts_with("http://app.localhost:") && url.ends_with('/'),
        "{url}"
    );
    let port: u16 = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let state = emulator::ControlClient::new(port).state().await.unwrap();
    assert_eq!(state.users.len(), 8);
    child.kill().unwrap();
    let _ = child.wait();

    let (mut child, line, _) = start(&["--port", "0"]);
    assert!(
        line.starts_with("ready http://control.localhost:"),
        "{line}"
    );
    child.kill().unwrap();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(dir);

    let out = Command::new(env!("CARGO_BIN_EXE_m365-emulator"))
        .arg("--nope")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn a_generated_tenant_of_ten_thousand_users_starts_and_answers_its_truth() {
    let (mut child, line, took) = start(&[
        "--port",
        "0",
        "--users",
        "10000",
        "--seed",
        "7",
        "--limit-window-scale",
        "0.01",
    ]);
    // A debug build; the pictures are drawn only when asked for.
    assert!(took < Duration::from_secs(20), "ready after {took:?}");
    let port: u16 = line
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{line}"));
    let ctl = emulator::ControlClient::new(port);
    let truth = ctl.truth().await.unwrap();
    assert_eq!(truth.users.len(), 10_000);
    assert_eq!(truth.users[0].upn, "admin@contoso.onmicrosoft.com");
    let limits = ctl.limits().await.unwrap();
    assert_eq!(
        limits,
        emulator::Limits::documented(truth.licenses).with_window_scale(0.01)
    );
    // Reset goes back to the tenant the emulator started with.
    ctl.reset().await.unwrap();
    assert_eq!(ctl.truth().await.unwrap(), truth);
    child.kill().unwrap();
    let _ = child.wait();

    for bad in [
        &["--seed", "7"][..],
        &["--users", "0"],
        &["--users", "10", "--seed", "x"],
        &["--limit-window-scale", "0"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_m365-emulator"))
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let (mut child, line, _) = start(&["--port", "0", "--limits", "off"]);
    let port: u16 = line
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let limits = emulator::ControlClient::new(port).limits().await.unwrap();
    assert_eq!(limits, emulator::Limits::default());
    child.kill().unwrap();
    let _ = child.wait();
}

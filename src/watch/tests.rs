use super::*;

fn sh(script: &str) -> Vec<String> {
    vec!["sh".to_string(), "-c".to_string(), script.to_string()]
}

/// The observer panics while the command runs: the command finishes its work, its exit
/// code is the result, and the panic is one warning naming it.
#[tokio::test]
async fn a_panic_in_the_watching_leaves_the_command_running() {
    let dir = std::env::temp_dir().join(format!("ddl_eta_supervise_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let marker = dir.join("finished");
    let script = format!("sleep 1; echo done > '{}'; exit 5", marker.display());
    let mut wrapped = Wrapped::spawn(&sh(&script)).expect("runs");
    let (done, _finishing) = tokio::sync::watch::channel(false);
    let (_send, signals) = tokio::sync::mpsc::unbounded_channel();
    let observer = Box::pin(OBSERVING.scope((), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let readings: Vec<f64> = Vec::new();
        // An index past the end: the kind of bug a panic in reporting would be.
        let _ = readings[readings.len()];
        Ok(())
    }));
    let screen = Screen::lines();
    let code = supervise(&mut wrapped, observer, signals, &screen, done, &[]).await;
    assert_eq!(code.expect("the command's code"), 5);
    assert!(marker.exists(), "the command did not finish its work");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_panic_becomes_one_line_with_its_message() {
    let panicking = CatchPanic(Box::pin(async {
        let empty: Vec<u8> = Vec::new();
        let _ = empty[3];
        Ok(())
    }));
    let end = panicking.await;
    let line = observer_end(end, &[]).expect("a warning");
    assert!(
        line.starts_with("internal error in ddl-eta's watching: index out of bounds"),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "{line}");
    let failed = observer_end(Ok(Err(anyhow::anyhow!("no PROCESS"))), &[]);
    assert_eq!(failed.as_deref(), Some("no PROCESS"));
    assert_eq!(observer_end(Ok(Ok(())), &[]), None);
}
